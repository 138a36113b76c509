using MillionX.Pipeline.Warehouse;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class SnowflakeMergeTests
{
    private const int NoByteLimit = 16_000_000;

    [Fact]
    public void Chunk_16384BindingsWith15Columns_1092RowsPerChunk()
    {
        var rows = Rows(3_000, 15, _ => "v");

        var chunks = SnowflakeMerge.Chunk(rows, MergeTable.Orders, 16_384, 16_384, NoByteLimit);

        Assert.Equal([1_092, 1_092, 816], chunks.Select(c => c.Count));
        Assert.True(1_092 * 15 <= 16_384 && 1_093 * 15 > 16_384);
    }

    [Theory]
    [InlineData(25, 7, 10, 16_384, new[] { 10, 10, 5 })]
    [InlineData(20, 13, 16_384, 100, new[] { 7, 7, 6 })]
    [InlineData(16, 8, 5, 32, new[] { 4, 4, 4, 4 })]
    [InlineData(3, 8, 1, 16_384, new[] { 1, 1, 1 })]
    public void Chunk_RowAndBindingLimits_TheTighterOneSetsTheChunkSize(int count, int columns, int maxRows, int maxBindings, int[] expected)
    {
        var chunks = SnowflakeMerge.Chunk(Rows(count, columns, _ => "v"), Table(columns), maxRows, maxBindings, NoByteLimit);

        Assert.Equal(expected, chunks.Select(c => c.Count));
        Assert.All(chunks, c => Assert.True(c.Count <= maxRows && c.Count * columns <= maxBindings));
    }

    [Fact]
    public void Chunk_MoreColumnsThanBindings_StillOneRowPerChunk()
    {
        var chunks = SnowflakeMerge.Chunk(Rows(3, 15, _ => "v"), MergeTable.Orders, 100, 5, NoByteLimit);

        Assert.Equal([1, 1, 1], chunks.Select(c => c.Count));
    }

    [Fact]
    public void Chunk_NoRows_NoChunks() => Assert.Empty(SnowflakeMerge.Chunk([], MergeTable.Orders, 100, 1_000, NoByteLimit));

    [Theory]
    [InlineData(1, 100, 1_000, 10_000)]
    [InlineData(997, 100, 1_000, 10_000)]
    [InlineData(997, 3, 16_384, 10_000)]
    [InlineData(500, 16_384, 16_384, 12_345)]
    public void Chunk_AnyLimits_KeepsEveryRowOnceInOrderAndNeverAnEmptyChunk(int count, int maxRows, int maxBindings, int maxBytes)
    {
        var rows = Rows(count, MergeTable.Orders.Columns.Count, i => new string('x', i % 300));

        var chunks = SnowflakeMerge.Chunk(rows, MergeTable.Orders, maxRows, maxBindings, maxBytes);

        Assert.All(chunks, c => Assert.NotEmpty(c));
        var flattened = chunks.SelectMany(c => c).ToList();
        Assert.Equal(rows.Count, flattened.Count);
        Assert.All(Enumerable.Range(0, rows.Count), i => Assert.Same(rows[i], flattened[i]));
    }

    [Fact]
    public void Chunk_ByteLimit_SplitsIntoFullChunksUnderTheLimit()
    {
        const int maxBytes = 10_000;
        var rows = Rows(40, MergeTable.PriceHistory.Columns.Count, _ => new string('p', 100));

        var chunks = SnowflakeMerge.Chunk(rows, MergeTable.PriceHistory, 16_384, 16_384, maxBytes);

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.True(RequestBytes(MergeTable.PriceHistory, c) <= maxBytes, $"{RequestBytes(MergeTable.PriceHistory, c)} bytes"));

        // Full: the first row of each next chunk would not have fitted (a generous estimate, not one row per chunk).
        Assert.True(chunks[0].Count > 5, $"{chunks[0].Count} rows in a 10 kB chunk");
        for (var i = 0; i + 1 < chunks.Count; i++)
        {
            Assert.True(RequestBytes(MergeTable.PriceHistory, [.. chunks[i], chunks[i + 1][0]]) > maxBytes * 0.75);
        }
    }

    [Fact]
    public void Chunk_RowsNearTheByteLimit_SerializedRequestNeverOverIt()
    {
        // Sweep row sizes so that chunks of 1..4 rows end just below the limit: the statement text and the JSON
        // envelope must be counted in full, not only the bindings.
        const int maxBytes = 10_000;
        var columns = MergeTable.Orders.Columns.Count;
        for (var nameLength = 1_000; nameLength <= 4_600; nameLength += 13)
        {
            var rows = Rows(6, columns, c => c == 4 ? new string('n', nameLength) : "v");

            var chunks = SnowflakeMerge.Chunk(rows, MergeTable.Orders, 16_384, 16_384, maxBytes);

            Assert.All(chunks.Where(c => c.Count > 1), c =>
                Assert.True(RequestBytes(MergeTable.Orders, c) <= maxBytes, $"names of {nameLength} chars: {c.Count} rows make {RequestBytes(MergeTable.Orders, c)} bytes"));
        }
    }

    [Theory]
    [InlineData("জামদানি শাড়ি হাতে বোনা ঢাকাই মসলিন")]
    [InlineData("Men's \"Cotton\" Panjabi <XL> & Pyjama + Tupi")]
    [InlineData("ঈদ 🎉 অফার")]
    public void Chunk_TextThatJsonEscapes_SerializedRequestStaysUnderByteLimit(string productName)
    {
        const int maxBytes = 20_000;
        var rows = Enumerable.Range(0, 300).Select(i => SnowflakeMerge.Values(Order(i, string.Concat(Enumerable.Repeat(productName, 4))))).ToList();

        var chunks = SnowflakeMerge.Chunk(rows, MergeTable.Orders, 16_384, 16_384, maxBytes);

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.True(RequestBytes(MergeTable.Orders, c) <= maxBytes, $"{c.Count} rows make {RequestBytes(MergeTable.Orders, c)} bytes"));
    }

    [Fact]
    public void Chunk_SingleRowOverByteLimit_GetsItsOwnChunk()
    {
        string?[] small = ["a", "b", "c"];
        string?[] huge = [new string('h', 50_000), "b", "c"];
        string?[] small2 = ["d", "e", "f"];
        string?[] small3 = ["g", "h", null];

        var chunks = SnowflakeMerge.Chunk([small, huge, small2, small3], Table(3), 100, 1_000, 10_000);

        Assert.Equal(3, chunks.Count);
        Assert.Same(small, Assert.Single(chunks[0]));
        Assert.Same(huge, Assert.Single(chunks[1]));
        Assert.Equal([small2, small3], chunks[2]);
    }

    [Fact]
    public void Statement_OrdersThreeRows_PlaceholdersCastsAndNaturalKey()
    {
        var sql = SnowflakeMerge.Statement(MergeTable.Orders, 3);

        Assert.StartsWith("MERGE INTO ORDERS t USING (SELECT ", sql, StringComparison.Ordinal);
        Assert.Equal(3 * 15, sql.Count(c => c == '?'));
        var tuple = "(" + string.Join(",", Enumerable.Repeat("?", 15)) + ")";
        Assert.Contains($"FROM VALUES {tuple},{tuple},{tuple}) s ON ", sql, StringComparison.Ordinal);
        Assert.Contains("column1 AS PLATFORM, column2 AS ORDER_ID, column3 AS PRODUCT_ID,", sql, StringComparison.Ordinal);
        Assert.Contains("column6::NUMBER(38,0) AS QUANTITY", sql, StringComparison.Ordinal);
        Assert.Contains("column7::NUMBER(18,4) AS PRICE", sql, StringComparison.Ordinal);
        Assert.Contains("column11::TIMESTAMP_NTZ AS \"TIMESTAMP\"", sql, StringComparison.Ordinal);
        Assert.Contains("column12::TIMESTAMP_NTZ AS INGESTION_TIME", sql, StringComparison.Ordinal);
        Assert.Contains("column15::TIMESTAMP_NTZ AS SOURCE_UPDATED_AT", sql, StringComparison.Ordinal);
        Assert.Contains(
            ") s ON t.PLATFORM = s.PLATFORM AND t.ORDER_ID = s.ORDER_ID AND t.PRODUCT_ID = s.PRODUCT_ID AND t.LINE_ID = s.LINE_ID "
            + "WHEN MATCHED AND (t.SOURCE_UPDATED_AT IS NULL OR s.SOURCE_UPDATED_AT >= t.SOURCE_UPDATED_AT) THEN UPDATE SET ", sql, StringComparison.Ordinal);

        var update = sql[sql.IndexOf("UPDATE SET ", StringComparison.Ordinal)..sql.IndexOf(" WHEN NOT MATCHED", StringComparison.Ordinal)];
        Assert.DoesNotContain("t.PLATFORM", update, StringComparison.Ordinal);
        Assert.DoesNotContain("t.ORDER_ID", update, StringComparison.Ordinal);
        Assert.Contains("t.ORDER_STATUS = s.ORDER_STATUS", update, StringComparison.Ordinal);
        Assert.Equal(11, update.Split(", ").Length);
        Assert.Contains("t.SOURCE_UPDATED_AT = s.SOURCE_UPDATED_AT", update, StringComparison.Ordinal);
        Assert.EndsWith(
            "WHEN NOT MATCHED THEN INSERT (PLATFORM, ORDER_ID, PRODUCT_ID, MERCHANT_ID, PRODUCT_NAME, QUANTITY, PRICE, CURRENCY, ORDER_STATUS, CUSTOMER_PHONE_HASH, \"TIMESTAMP\", INGESTION_TIME, HASH_KEY_ID, LINE_ID, SOURCE_UPDATED_AT) " +
            "VALUES (s.PLATFORM, s.ORDER_ID, s.PRODUCT_ID, s.MERCHANT_ID, s.PRODUCT_NAME, s.QUANTITY, s.PRICE, s.CURRENCY, s.ORDER_STATUS, s.CUSTOMER_PHONE_HASH, s.\"TIMESTAMP\", s.INGESTION_TIME, s.HASH_KEY_ID, s.LINE_ID, s.SOURCE_UPDATED_AT)",
            sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Statement_WeatherAndPrices_CastsAndKeys()
    {
        var weather = SnowflakeMerge.Statement(MergeTable.WeatherLogs, 2);
        var prices = SnowflakeMerge.Statement(MergeTable.PriceHistory, 1);

        Assert.Equal(18, weather.Count(c => c == '?'));
        Assert.Contains("column2::TIMESTAMP_NTZ AS RECORDED_AT, column3::FLOAT AS TEMPERATURE", weather, StringComparison.Ordinal);
        Assert.Contains("column9::TIMESTAMP_NTZ AS \"TIMESTAMP\"", weather, StringComparison.Ordinal);
        Assert.Contains("column7::BOOLEAN AS IS_EXTREME_WEATHER", weather, StringComparison.Ordinal);
        Assert.Contains(") s ON t.CITY = s.CITY AND t.RECORDED_AT = s.RECORDED_AT WHEN", weather, StringComparison.Ordinal);
        Assert.Equal(7, prices.Count(c => c == '?'));
        Assert.Contains("column4::NUMBER(18,4) AS PRICE", prices, StringComparison.Ordinal);
        Assert.Contains(") s ON t.PLATFORM = s.PLATFORM AND t.PRODUCT_ID = s.PRODUCT_ID AND t.ORDER_ID = s.ORDER_ID WHEN", prices, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_OrderRow_InvariantNumbersFullPrecisionTimestampsAndNullHash()
    {
        var at = new DateTime(2025, 3, 1, 10, 5, 9, DateTimeKind.Utc).AddTicks(1_234_567);
        var row = new OrderRow("daraz", "ORD-1", "P-1", "M-1", "Panjabi", 3, 1234.5600m, "BDT", "paid", null, at, at.AddMinutes(1), "k1", "", at.AddSeconds(30));

        var values = SnowflakeMerge.Values(row);

        Assert.Equal(15, values.Length);
        Assert.Equal("", values[13]);
        Assert.Equal("2025-03-01 10:05:39.1234567", values[14]);
        Assert.Equal("3", values[5]);
        Assert.Equal("1234.5600", values[6]);
        Assert.Null(values[9]);
        Assert.Equal("2025-03-01 10:05:09.1234567", values[10]);
        Assert.Equal("2025-03-01 10:06:09.1234567", values[11]);
    }

    [Fact]
    public void Values_WeatherRow_RoundTripDoublesAndBooleanText()
    {
        var row = new WeatherRow("Sylhet", new DateTime(2025, 7, 1, 6, 0, 0, DateTimeKind.Utc), 0.1 + 0.2, "Rain", 94, 12.75, true, new DateTime(2025, 7, 1, 6, 0, 1, DateTimeKind.Utc));

        var values = SnowflakeMerge.Values(row);

        Assert.Equal(MergeTable.WeatherLogs.Columns.Count, values.Length);
        Assert.Equal(0.1 + 0.2, double.Parse(values[2]!, CultureInfo.InvariantCulture));
        Assert.Equal("94", values[4]);
        Assert.Equal("TRUE", values[6]);

        // RECORDED_AT and the plan's "TIMESTAMP" carry the same observation time.
        Assert.Equal("2025-07-01 06:00:00.0000000", values[1]);
        Assert.Equal(values[1], values[8]);
    }

    private static MergeTable Table(int columns) =>
        new("T", Enumerable.Range(1, columns).Select(i => new MergeColumn($"C{i}")).ToList(), ["C1"]);

    private static List<string?[]> Rows(int count, int columns, Func<int, string?> value) =>
        Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, columns).Select(value).ToArray()).ToList();

    private static OrderRow Order(int i, string name)
    {
        var at = new DateTime(2025, 3, 1, 10, 0, 0, DateTimeKind.Utc).AddSeconds(i);
        return new OrderRow("daraz", $"ORD-{i:D6}", "P-1001", "M-1", name, 1, 4500.25m, "BDT", "paid", "k1_" + new string('a', 32), at, at, "k1", "", at);
    }

    /// <summary>The size of the POST body the client sends for this chunk (same request shape and JSON context).</summary>
    private static int RequestBytes(MergeTable table, IReadOnlyList<string?[]> chunk) =>
        JsonSerializer.SerializeToUtf8Bytes(new StatementRequest
        {
            Statement = SnowflakeMerge.Statement(table, chunk.Count),
            Timeout = 300,
            Database = "MILLIONX",
            Schema = "PUBLIC",
            Warehouse = "LOAD_WH",
            Role = "LOADER",
            Bindings = chunk.SelectMany(r => r).Select((v, i) => (v, i)).ToDictionary(x => (x.i + 1).ToString(CultureInfo.InvariantCulture), x => new StatementBinding("TEXT", x.v)),
        }, SnowflakeJson.Default.StatementRequest).Length;
}
