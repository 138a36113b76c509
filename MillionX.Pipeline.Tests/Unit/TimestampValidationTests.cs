using static MillionX.Pipeline.Tests.Unit.RawRecords;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>Timestamp rules, the same for every contract; the clock is fixed at <see cref="RawRecords.Now"/>.</summary>
public sealed class TimestampValidationTests
{
    private readonly RecordValidator _validator = Validator();

    private ValidationResult<SocialPost> Validate(string rawTimestamp) => _validator.ValidateSocialPost(Post(("timestamp", rawTimestamp)));

    private void AssertRejected(string rawTimestamp, string code)
    {
        var result = Validate(rawTimestamp);
        Assert.False(result.IsValid);
        Assert.Equal(("$.timestamp", code), Assert.Single(Problems(result)));
    }

    private DateTimeOffset AssertAccepted(string rawTimestamp)
    {
        var result = Validate(rawTimestamp);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(TimeSpan.Zero, result.Value!.Timestamp.Offset);
        return result.Value.Timestamp;
    }

    private static string Seconds(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2026-11-24T09:00:00Z")]
    [InlineData("2026-11-24T09:00:00z")]
    [InlineData("2026-11-24t09:00:00Z")]
    [InlineData("2026-11-24T15:00:00+06:00")]
    [InlineData("2026-11-24T03:00:00-06:00")]
    [InlineData("2026-11-24T09:00:00.000Z")]
    [InlineData("2026-11-24T15:00:00.0000000+06:00")]
    [InlineData("2026-11-24T09:00:00+00:00")]
    public void Timestamp_Rfc3339WithOffset_AcceptedAsUtc(string timestamp)
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), AssertAccepted(Str(timestamp)));
    }

    [Fact]
    public void Timestamp_FractionalSeconds_Kept()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, 250, TimeSpan.Zero), AssertAccepted(Str("2026-11-24T15:00:00.25+06:00")));
    }

    [Theory]
    [InlineData("2026-11-24T09:00:00")]
    [InlineData("2026-11-24T09:00:00.123")]
    [InlineData("2026-11-24 09:00:00")]
    [InlineData("2026-11-24")]
    [InlineData("24/11/2026 09:00")]
    [InlineData("Tue 2026-11-24 09:00")]
    [InlineData("Tue, 24-Nov-2026 09:00:00")]
    [InlineData("Sat 2026-11-21 09:00:00")]
    [InlineData("yesterday")]
    [InlineData("")]
    [InlineData("2026-13-24T09:00:00Z")]
    [InlineData("2026-11-24T25:00:00Z")]
    public void Timestamp_WithoutOffsetOrNotAString_InvalidTimestamp(string timestamp)
    {
        AssertRejected(Str(timestamp), ReasonCodes.InvalidTimestamp);
    }

    [Fact]
    public void Timestamp_UnixSeconds_Accepted()
    {
        var t = Now.AddHours(-1);

        Assert.Equal(t, AssertAccepted(Seconds(t)));
    }

    [Theory]
    [InlineData("1764000000.5")]
    [InlineData("1.7e9")]
    [InlineData("1e30")]
    [InlineData("-99999999999999")]
    public void Timestamp_NotWholeOrUnrepresentableSeconds_InvalidTimestamp(string seconds)
    {
        AssertRejected(seconds, ReasonCodes.InvalidTimestamp);
    }

    [Fact]
    public void Timestamp_UnixMilliseconds_Rejected()
    {
        var result = Validate(Now.AddHours(-1).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));

        Assert.False(result.IsValid);
        Assert.Equal("$.timestamp", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Timestamp_WithinClockSkew_Accepted()
    {
        var skew = new ValidationLimits().MaxClockSkew;

        Assert.Equal(Now + skew, AssertAccepted(Str((Now + skew).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))));
        Assert.Equal(Now + skew, AssertAccepted(Seconds(Now + skew)));
    }

    [Fact]
    public void Timestamp_BeyondNowPlusClockSkew_TimestampOutOfRange()
    {
        var late = Now + new ValidationLimits().MaxClockSkew + TimeSpan.FromSeconds(1);

        AssertRejected(Str(late.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)), ReasonCodes.TimestampOutOfRange);
        AssertRejected(Seconds(late), ReasonCodes.TimestampOutOfRange);
        AssertRejected(Str("2099-01-01T00:00:00+06:00"), ReasonCodes.TimestampOutOfRange);
    }

    [Fact]
    public void Timestamp_ClockSkewFollowsTheClock_NotTheWallClock()
    {
        var past = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var validator = new RecordValidator(new ValidationLimits(), new FixedClock(past));

        var result = validator.ValidateSocialPost(Post(("timestamp", Str("2020-01-01T01:00:00Z"))));

        Assert.Equal(("$.timestamp", ReasonCodes.TimestampOutOfRange), Assert.Single(Problems(result)));
    }

    [Theory]
    [InlineData("2003-12-31T23:59:59Z")]
    [InlineData("2004-01-01T05:59:59+06:00")]
    [InlineData("1999-06-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    public void Timestamp_BeforeEarliest_TimestampOutOfRange(string timestamp)
    {
        AssertRejected(Str(timestamp), ReasonCodes.TimestampOutOfRange);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1072915199")]
    public void Timestamp_UnixSecondsBeforeEarliest_TimestampOutOfRange(string seconds)
    {
        AssertRejected(seconds, ReasonCodes.TimestampOutOfRange);
    }

    [Fact]
    public void Timestamp_ExactlyEarliest_Accepted()
    {
        Assert.Equal(new ValidationLimits().EarliestTimestamp, AssertAccepted(Str("2004-01-01T00:00:00Z")));
        Assert.Equal(new ValidationLimits().EarliestTimestamp, AssertAccepted("1072915200"));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("[]")]
    [InlineData("{}")]
    public void Timestamp_NeitherStringNorNumber_WrongType(string value)
    {
        AssertRejected(value, ReasonCodes.WrongType);
    }

    [Fact]
    public void Timestamp_SameRulesForOrdersAndWeather()
    {
        var order = _validator.ValidateMarketOrder(Order(("timestamp", "\"2026-11-24T09:00:00\"")));
        var weather = _validator.ValidateWeather(Weather(("timestamp", "\"2003-01-01T00:00:00Z\"")));

        Assert.Equal(("$.timestamp", ReasonCodes.InvalidTimestamp), Assert.Single(Problems(order)));
        Assert.Equal(("$.timestamp", ReasonCodes.TimestampOutOfRange), Assert.Single(Problems(weather)));
    }

    /// <summary>
    /// The form sources write is read without DateTimeOffset.TryParse; for every string of that shape (digits at random,
    /// out-of-range parts, February 29th, the offsets' edges) the result must be TryParse's: the same verdict, instant
    /// and offset.
    /// </summary>
    [Fact]
    public void PlainRfc3339_ReadAsDateTimeOffsetTryParseReadsIt()
    {
        var random = new Random(3);
        string Two(int max) => random.Next(max + 1).ToString("00", CultureInfo.InvariantCulture);
        var (parsed, refused) = (0, 0);
        for (var i = 0; i < 20_000; i++)
        {
            var year = random.Next(4) == 0 ? random.Next(10_000) : random.Next(1996, 2036);
            var date = $"{year:0000}-{Two(13)}-{(random.Next(3) == 0 ? "29" : Two(32))}T{Two(25)}:{Two(61)}:{Two(61)}";
            var text = random.Next(3) switch
            {
                0 => date + "Z",
                1 => date + (random.Next(2) == 0 ? "+" : "-") + (random.Next(2) == 0 ? "14" : Two(15)) + ":" + (random.Next(2) == 0 ? "00" : Two(60)),
                _ => date + "+06:00",
            };
            var expectedOk = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var expected);
            var ok = FieldReader.TryTimestampText(text, out var actual);
            Assert.True(expectedOk == ok, text);
            if (ok)
            {
                Assert.Equal(expected, actual);
                Assert.Equal(expected.Offset, actual.Offset);
                parsed++;
            }
            else
            {
                refused++;
            }
        }

        Assert.InRange(parsed, 2_000, 18_000);
        Assert.InRange(refused, 2_000, 18_000);
    }
}
