using MillionX.Pipeline.Sources;
using MillionX.Pipeline.Stages.SampleSource;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class SampleRecordGeneratorTests
{
    private static readonly SourceKind[] AllKinds = [SourceKind.Tiktok, SourceKind.Facebook, SourceKind.Shopify, SourceKind.Daraz, SourceKind.Weather];

    private static List<SampleRecord> Generate(int seed, int count, double invalidShare = 0.03, IReadOnlyList<SourceKind>? kinds = null)
    {
        var generator = new SampleRecordGenerator(seed, invalidShare, kinds ?? AllKinds, new FixedClock(RawRecords.Now));
        return Enumerable.Range(0, count).Select(_ => generator.Next()).ToList();
    }

    [Fact]
    public void Next_SameSeed_IdenticalSequenceOfRawBytes()
    {
        var a = Generate(42, 2_000);
        var b = Generate(42, 2_000);

        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Kind, b[i].Kind);
            Assert.Equal(a[i].IntendedInvalid, b[i].IntendedInvalid);
            Assert.Equal(a[i].Raw, b[i].Raw);
        }
    }

    [Fact]
    public void Next_DifferentSeed_DifferentSequence()
    {
        var a = Generate(42, 200);
        var b = Generate(43, 200);

        var identical = a.Zip(b).Count(p => p.First.Raw.AsSpan().SequenceEqual(p.Second.Raw));
        Assert.True(identical < 5, $"{identical} of 200 records were identical across seeds");
    }

    [Fact]
    public void Next_ManyRecords_IntendedInvalidRejectedAndAllOthersAccepted()
    {
        var gate = new SourceGate(RawRecords.Validator());
        var records = Generate(42, 5_000);
        var wronglyAccepted = new List<string>();
        var wronglyRejected = new List<string>();
        var reasons = new HashSet<string>(StringComparer.Ordinal);

        foreach (var r in records)
        {
            var result = gate.Admit(r.Kind, r.Raw);
            if (r.IntendedInvalid && result.Accepted)
            {
                wronglyAccepted.Add(RawRecords.Text(r.Raw));
            }
            else if (!r.IntendedInvalid && !result.Accepted)
            {
                wronglyRejected.Add($"{RawRecords.Text(r.Raw)} -> {string.Join("; ", result.Errors)}");
            }
            else if (!result.Accepted)
            {
                reasons.Add(result.Reason!);
            }
        }

        Assert.True(wronglyAccepted.Count == 0, "accepted though generated invalid:\n" + string.Join("\n", wronglyAccepted.Take(5)));
        Assert.True(wronglyRejected.Count == 0, "rejected though generated valid:\n" + string.Join("\n", wronglyRejected.Take(5)));

        // The generator breaks records by truncating, dropping, retyping or corrupting one field; depth never exceeds 2.
        Assert.DoesNotContain(ReasonCodes.TooDeep, reasons);
        Assert.Contains(ReasonCodes.MalformedJson, reasons);
        Assert.Contains(ReasonCodes.InvalidUtf8, reasons);
        Assert.Contains(ReasonCodes.MissingField, reasons);
    }

    [Theory]
    [InlineData(0.03, 0.01, 0.05)]
    [InlineData(0.2, 0.17, 0.23)]
    public void Next_InvalidShare_NearConfiguredShare(double share, double low, double high)
    {
        var records = Generate(7, 5_000, share);

        var actual = records.Count(r => r.IntendedInvalid) / (double)records.Count;

        Assert.InRange(actual, low, high);
    }

    /// <summary>Share 0: every record valid and admitted by the gate; share 1: every record invalid and rejected.</summary>
    [Theory]
    [InlineData(11, 0.0)]
    [InlineData(12, 1.0)]
    public void Next_InvalidShareZeroOrOne_EveryRecordAsIntendedAtTheGate(int seed, double share)
    {
        var gate = new SourceGate(RawRecords.Validator());
        var invalid = share == 1.0;

        Assert.All(Generate(seed, 1_000, share), r =>
        {
            Assert.Equal(invalid, r.IntendedInvalid);
            Assert.True(gate.Admit(r.Kind, r.Raw).Accepted != invalid, RawRecords.Text(r.Raw));
        });
    }

    [Fact]
    public void Next_RestrictedKinds_OnlyThoseKindsAndEachOfThem()
    {
        var records = Generate(5, 500, kinds: [SourceKind.Daraz, SourceKind.Weather]);

        Assert.Equal([SourceKind.Daraz, SourceKind.Weather], records.Select(r => r.Kind).Distinct().Order());
    }

    [Fact]
    public void Next_AllKinds_EveryKindAppears()
    {
        Assert.Equal(AllKinds, Generate(42, 500).Select(r => r.Kind).Distinct().Order());
    }

    [Fact]
    public void Next_ValidRecords_HaveUniqueKeys()
    {
        var gate = new SourceGate(RawRecords.Validator());
        var keys = Generate(42, 3_000, 0, [SourceKind.Tiktok, SourceKind.Facebook, SourceKind.Shopify, SourceKind.Daraz])
            .Select(r => Convert.ToHexString(gate.Admit(r.Kind, r.Raw).Key!))
            .ToList();

        Assert.Equal(keys.Count, keys.Distinct().Count());
    }
}
