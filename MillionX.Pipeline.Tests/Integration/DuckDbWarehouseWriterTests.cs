using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MillionX.Pipeline.Privacy;
using MillionX.Pipeline.Sources;
using MillionX.Pipeline.Stages.DarazSync;
using MillionX.Pipeline.Stages.PrivacyShield;
using MillionX.Pipeline.Stages.ShopifySync;
using MillionX.Pipeline.Warehouse;

namespace MillionX.Pipeline.Tests.Integration;

public sealed class DuckDbWarehouseWriterTests
{
    private static OrderRow Order(int i, string status = "paid") => new(
        "shopify", $"SH-{i}", "P-1", "M-1", "Jamdani Shari", 1 + i, 4500.25m + i, "BDT", status, $"k1_{i:x24}",
        new DateTime(2026, 11, 20, 4, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 24, 0, 0, 0, DateTimeKind.Utc), "k1", "",
        new DateTime(2026, 11, 20, 4, 0, 0, DateTimeKind.Utc));

    [Fact]
    public async Task WriteAsync_SameBatchTwiceAndUpdates_UpsertsOnNaturalKeys()
    {
        var path = TestConfig.TempDuckDb();
        var batch = new WarehouseBatch();
        for (var i = 0; i < 1000; i++)
        {
            batch.Add(Order(i));
        }

        batch.Add(Order(7, status: "shipped"));
        batch.Add(new WeatherRow("Dhaka", new DateTime(2026, 11, 20, 4, 0, 0, DateTimeKind.Utc), 31.5, "Haze", 70, 3, false, DateTime.UtcNow));
        Assert.Equal(1002, batch.RecordCount);
        Assert.Equal(1000, batch.Orders.Count);

        await using (var writer = new DuckDbWarehouseWriter(Options.Create(new WarehouseOptions { DuckDb = new DuckDbOptions { Path = path } }), NullLogger<DuckDbWarehouseWriter>.Instance))
        {
            var result = await writer.WriteAsync(batch, CancellationToken.None);
            Assert.Equal(3, result.Statements);
            await writer.WriteAsync(batch, CancellationToken.None);

            var update = new WarehouseBatch();
            update.Add(Order(8, status: "delivered"));
            await writer.WriteAsync(update, CancellationToken.None);
        }

        Assert.Equal(1000, DuckDbQuery.Scalar(path, "select count(*) from ORDERS"));
        Assert.Equal(1000, DuckDbQuery.Scalar(path, "select count(*) from PRICE_HISTORY"));
        Assert.Equal(1, DuckDbQuery.Scalar(path, "select count(*) from WEATHER_LOGS"));
        Assert.Equal(["shipped"], DuckDbQuery.Column(path, "select ORDER_STATUS from ORDERS where ORDER_ID = 'SH-7'"));
        Assert.Equal(["delivered"], DuckDbQuery.Column(path, "select ORDER_STATUS from ORDERS where ORDER_ID = 'SH-8'"));
        Assert.Equal(["4511.2500"], DuckDbQuery.Column(path, "select PRICE from ORDERS where ORDER_ID = 'SH-11'"));
        Assert.Equal(["k1_" + 11.ToString("x24", System.Globalization.CultureInfo.InvariantCulture)], DuckDbQuery.Column(path, "select CUSTOMER_PHONE_HASH from ORDERS where ORDER_ID = 'SH-11'"));
    }

    private static WarehouseBatch Batch(IEnumerable<OrderRow> rows)
    {
        var batch = new WarehouseBatch();
        foreach (var row in rows)
        {
            batch.Add(row);
        }

        return batch;
    }

    /// <summary>
    /// New orders are appended straight into the tables; a batch with keys already stored (here a newer and an older
    /// version of two lines among new ones) is refused by the append, rolled back and upserted: every line once, the
    /// newer version kept, no row of the refused attempt left over. The next batches are upserted, then new keys are
    /// appended again.
    /// </summary>
    [Fact]
    public async Task WriteAsync_BatchWithStoredKeysAmongNewOnes_UpsertedWholeThenNewKeysAppendedAgain()
    {
        var path = TestConfig.TempDuckDb();
        var later = new DateTime(2026, 11, 21, 4, 0, 0, DateTimeKind.Utc);
        var earlier = new DateTime(2026, 11, 19, 4, 0, 0, DateTimeKind.Utc);
        await using var writer = Writer(path);

        await writer.WriteAsync(Batch(Enumerable.Range(0, 100).Select(i => Order(i))), CancellationToken.None);
        Assert.Equal((1L, 0L), writer.Paths);

        var mixed = Enumerable.Range(100, 100).Select(i => Order(i))
            .Append(Order(60, "shipped") with { SourceUpdatedAtUtc = later })
            .Append(Order(70, "cancelled") with { SourceUpdatedAtUtc = earlier });
        await writer.WriteAsync(Batch(mixed), CancellationToken.None);
        Assert.Equal((1L, 1L), writer.Paths);
        Assert.Equal(200, DuckDbQuery.Scalar(path, "select count(*) from ORDERS"));
        Assert.Equal(200, DuckDbQuery.Scalar(path, "select count(*) from PRICE_HISTORY"));
        Assert.Equal(["shipped"], DuckDbQuery.Column(path, "select ORDER_STATUS from ORDERS where ORDER_ID = 'SH-60'"));
        Assert.Equal(["paid"], DuckDbQuery.Column(path, "select ORDER_STATUS from ORDERS where ORDER_ID = 'SH-70'"));

        for (var b = 0; b < DuckDbWarehouseWriter.UpsertsAfterConflict + 1; b++)
        {
            await writer.WriteAsync(Batch(Enumerable.Range(1000 + (b * 10), 10).Select(i => Order(i))), CancellationToken.None);
        }

        Assert.Equal((2L, 1L + DuckDbWarehouseWriter.UpsertsAfterConflict), writer.Paths);
        Assert.Equal(200 + (10 * (DuckDbWarehouseWriter.UpsertsAfterConflict + 1)), DuckDbQuery.Scalar(path, "select count(*) from ORDERS"));
    }

    /// <summary>A value a column refuses on the append path (a NULL product name) is refused as bad data, as the upsert always did.</summary>
    [Fact]
    public async Task WriteAsync_NullInANotNullColumn_RejectedAsBadDataAndNothingWritten()
    {
        var path = TestConfig.TempDuckDb();
        await using var writer = Writer(path);
        var batch = Batch(Enumerable.Range(0, 10).Select(i => Order(i)).Append(Order(10) with { ProductName = null! }));

        await Assert.ThrowsAsync<MillionX.Pipeline.Hosting.BatchRejectedException>(() => writer.WriteAsync(batch, CancellationToken.None));

        await writer.WriteAsync(Batch(Enumerable.Range(0, 10).Select(i => Order(i))), CancellationToken.None);
        Assert.Equal(10, DuckDbQuery.Scalar(path, "select count(*) from ORDERS"));
    }

    [Fact]
    public async Task CheckpointThreshold_ReachesTheFilesDuckDb_AndABadSizeIsNamed()
    {
        var path = TestConfig.TempDuckDb();
        var options = new WarehouseOptions { DuckDb = new DuckDbOptions { Path = path, CheckpointThreshold = "64MB" } };
        await using (var writer = new DuckDbWarehouseWriter(Options.Create(options), NullLogger<DuckDbWarehouseWriter>.Instance))
        {
            await writer.EnsureSchemaAsync(CancellationToken.None);
            Assert.Equal(["61.0 MiB"], DuckDbQuery.Column(path, "select current_setting('checkpoint_threshold')"));
        }

        Assert.Empty(MillionX.Pipeline.Hosting.NestedValidation.Validate(new WarehouseOptions(), "Warehouse").Concat(new WarehouseOptions().Validate(new(options))));
        options.DuckDb.CheckpointThreshold = "lots";
        Assert.Contains(options.Validate(new(options)), r => r.ErrorMessage!.Contains("Warehouse:DuckDb:CheckpointThreshold", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, "1")]
    [InlineData(5, "5")]
    public async Task Threads_ReachTheFilesDuckDb(int threads, string expected)
    {
        var path = TestConfig.TempDuckDb();
        var options = new WarehouseOptions { DuckDb = new DuckDbOptions { Path = path, Threads = threads } };
        await using (var writer = new DuckDbWarehouseWriter(Options.Create(options), NullLogger<DuckDbWarehouseWriter>.Instance))
        {
            await writer.EnsureSchemaAsync(CancellationToken.None);
            Assert.Equal([expected], DuckDbQuery.Column(path, "select current_setting('threads')::VARCHAR"));
        }

        Assert.Equal(1, new DuckDbOptions().Threads);
        options.DuckDb.Threads = -1;
        Assert.Contains(MillionX.Pipeline.Hosting.NestedValidation.Validate(options.DuckDb, "Warehouse:DuckDb"),
            r => r.ErrorMessage!.Contains("Warehouse:DuckDb:Threads", StringComparison.Ordinal));
    }

    /// <summary>0 leaves DuckDB's own default: one thread per core.</summary>
    [Fact]
    public async Task Threads_Zero_LeavesDuckDbsDefault()
    {
        var path = TestConfig.TempDuckDb();
        var options = new WarehouseOptions { DuckDb = new DuckDbOptions { Path = path, Threads = 0 } };
        await using var writer = new DuckDbWarehouseWriter(Options.Create(options), NullLogger<DuckDbWarehouseWriter>.Instance);
        await writer.EnsureSchemaAsync(CancellationToken.None);
        Assert.Equal([Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)], DuckDbQuery.Column(path, "select current_setting('threads')::VARCHAR"));
    }

    private static readonly DateTime Ingested = new(2026, 11, 24, 0, 0, 0, DateTimeKind.Utc);

    private static DuckDbWarehouseWriter Writer(string path) =>
        new(Options.Create(new WarehouseOptions { DuckDb = new DuckDbOptions { Path = path } }), NullLogger<DuckDbWarehouseWriter>.Instance);

    /// <summary>Source records the way the sink gets them: through the gate and the privacy shield.</summary>
    private static List<OrderRow> Rows(SourceKind kind, IEnumerable<byte[]> raw)
    {
        var gate = new SourceGate(Unit.RawRecords.Validator());
        var anonymiser = new Anonymiser(new PiiScrubber(TestConfig.Hasher));
        return raw.Select(r =>
        {
            var admitted = gate.Admit(kind, r);
            Assert.True(admitted.Accepted, string.Join("; ", admitted.Errors));
            // As the privacy shield does: the gate's canonical record is validated again on the way in.
            var shield = Unit.RawRecords.Validator().ValidateMarketOrder(admitted.Value!, kind.Name());
            Assert.True(shield.Errors.Count == 0, string.Join("; ", shield.Errors));
            var order = shield.Value!;
            var anonymised = JsonSerializer.SerializeToUtf8Bytes(anonymiser.Anonymise(order), ContractJson.Default.AnonymisedOrder);
            return OrderRow.From(AnonymisedParsing.ParseOrder(anonymised), Ingested);
        }).ToList();
    }

    private static List<OrderRow> Shopify(string updatedAt, string status = "paid") => Rows(SourceKind.Shopify, ShopifyOrderMapper.ToRecords(
        ShopifyOrderMapper.FromRest(JsonDocument.Parse($$"""
            {
              "id": 820982911946154508, "created_at": "2026-11-20T10:00:00+06:00", "updated_at": "{{updatedAt}}",
              "financial_status": "{{status}}", "fulfillment_status": null, "currency": "BDT",
              "line_items": [
                { "id": 466157049, "product_id": 632910392, "title": "Cotton Panjabi", "variant_title": "M", "sku": "PJ-M", "quantity": 1, "price": "1850.00" },
                { "id": 518995019, "product_id": 632910392, "title": "Cotton Panjabi", "variant_title": "L", "sku": "PJ-L", "quantity": 2, "price": "1950.00" }
              ]
            }
            """).RootElement), "mystore.myshopify.com"));

    private static async Task Write(string path, IEnumerable<OrderRow> rows)
    {
        var batch = new WarehouseBatch();
        foreach (var row in rows)
        {
            batch.Add(row);
        }

        await using var writer = Writer(path);
        await writer.WriteAsync(batch, CancellationToken.None);
    }

    [Fact]
    public async Task WriteAsync_ShopifyPanjabiMx1AndLx2_BothLinesKeptWithThreeUnitsAndBothPrices()
    {
        var path = TestConfig.TempDuckDb();

        await Write(path, Shopify("2026-11-20T10:05:00+06:00"));

        Assert.Equal(3, DuckDbQuery.Scalar(path, "select sum(QUANTITY)::BIGINT from ORDERS where ORDER_ID = '820982911946154508'"));
        Assert.Equal(["1850.0000", "1950.0000"], DuckDbQuery.Column(path, "select PRICE from ORDERS where PRODUCT_ID = '632910392' order by PRICE"));
        Assert.Equal(["466157049", "518995019"], DuckDbQuery.Column(path, "select LINE_ID from ORDERS order by LINE_ID"));
    }

    [Fact]
    public async Task WriteAsync_OlderVersionAfterNewer_NewerKept()
    {
        var path = TestConfig.TempDuckDb();

        // A webhook of the refund lands first; the poll that read the order before the refund arrives after it.
        await Write(path, Shopify("2026-11-21T09:00:00Z", status: "refunded"));
        await Write(path, Shopify("2026-11-21T08:00:00Z", status: "paid"));

        Assert.Equal(["refunded", "refunded"], DuckDbQuery.Column(path, "select ORDER_STATUS from ORDERS"));
        Assert.Equal(["2026-11-21 09:00:00", "2026-11-21 09:00:00"], DuckDbQuery.Column(path, "select strftime(SOURCE_UPDATED_AT, '%Y-%m-%d %H:%M:%S') from ORDERS"));

        // The same version again, and a newer one, do apply.
        await Write(path, Shopify("2026-11-21T10:00:00Z", status: "paid"));
        Assert.Equal(["paid", "paid"], DuckDbQuery.Column(path, "select ORDER_STATUS from ORDERS"));
    }

    [Fact]
    public void Batch_OlderVersionReadAfterNewer_NewerKept()
    {
        var batch = new WarehouseBatch();
        foreach (var row in Shopify("2026-11-21T09:00:00Z", status: "refunded").Concat(Shopify("2026-11-21T08:00:00Z")))
        {
            batch.Add(row);
        }

        Assert.Equal(4, batch.RecordCount);
        Assert.All(batch.Orders, o => Assert.Equal("refunded", o.OrderStatus));
    }

    [Fact]
    public async Task WriteAsync_DarazOrderReplayedFromAnOlderVersion_NewerKept()
    {
        var path = TestConfig.TempDuckDb();
        static List<OrderRow> Daraz(string updated, string status) => Rows(SourceKind.Daraz, DarazOrderMapper.Map(
            JsonDocument.Parse($$"""{ "order_id": 1001, "created_at": "2026-11-20 10:00:00 +0600", "updated_at": "{{updated}}", "statuses": ["{{status}}"] }""").RootElement,
            [JsonDocument.Parse("""{ "sku": "JS-01", "name": "Jamdani Shari", "item_price": "4500.00", "status": "" }""").RootElement], "shop-1"));

        await Write(path, Daraz("2026-11-22 10:00:00 +0600", "delivered"));
        await Write(path, Daraz("2026-11-21 10:00:00 +0600", "shipped"));

        Assert.Equal(["delivered"], DuckDbQuery.Column(path, "select ORDER_STATUS from ORDERS"));
    }

    [Fact]
    public async Task Start_FileFromBeforeLineIds_RebuiltUnderTheNewKeyAndKeepsItsRows()
    {
        var path = TestConfig.TempDuckDb();
        DuckDbQuery.Execute(path, """
            CREATE TABLE ORDERS (PLATFORM VARCHAR NOT NULL, ORDER_ID VARCHAR NOT NULL, PRODUCT_ID VARCHAR NOT NULL, MERCHANT_ID VARCHAR NOT NULL,
                PRODUCT_NAME VARCHAR NOT NULL, QUANTITY INTEGER NOT NULL, PRICE DECIMAL(18,4) NOT NULL, CURRENCY VARCHAR NOT NULL,
                ORDER_STATUS VARCHAR NOT NULL, CUSTOMER_PHONE_HASH VARCHAR, ORDER_TIMESTAMP TIMESTAMP NOT NULL, INGESTION_TIME TIMESTAMP NOT NULL,
                HASH_KEY_ID VARCHAR NOT NULL, PRIMARY KEY (PLATFORM, ORDER_ID, PRODUCT_ID));
            INSERT INTO ORDERS VALUES ('daraz', '1001', 'JS-01', 'shop-1', 'Jamdani Shari', 1, 4500, 'BDT', 'paid', NULL,
                TIMESTAMP '2026-11-20 04:00:00', TIMESTAMP '2026-11-20 05:00:00', 'k1');
            """);

        await Write(path, Shopify("2026-11-21T09:00:00Z"));

        Assert.Equal(3, DuckDbQuery.Scalar(path, "select count(*) from ORDERS"));
        Assert.Equal(["|2026-11-20 04:00:00"], DuckDbQuery.Column(path, "select LINE_ID || '|' || strftime(SOURCE_UPDATED_AT, '%Y-%m-%d %H:%M:%S') from ORDERS where PLATFORM = 'daraz'"));
        Assert.Equal(["PLATFORM,ORDER_ID,PRODUCT_ID,LINE_ID"], DuckDbQuery.Column(path,
            "select array_to_string(constraint_column_names, ',') from duckdb_constraints() where table_name = 'ORDERS' and constraint_type = 'PRIMARY KEY'"));
    }

    [Fact]
    public async Task EnsureSchema_FileWrittenUnderTheSameIdWithAnotherKey_FailsAndTheSameKeyStarts()
    {
        var path = TestConfig.TempDuckDb();
        static DuckDbWarehouseWriter With(string path, byte[] hashKey) => new(
            Options.Create(new WarehouseOptions { DuckDb = new DuckDbOptions { Path = path } }), NullLogger<DuckDbWarehouseWriter>.Instance,
            PrivacyKeys.FromBytes(hashKey, TestConfig.DeadLetterKey));
        await using (var first = With(path, TestConfig.HashKey))
        {
            await first.EnsureSchemaAsync(CancellationToken.None);
        }

        var otherKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using (var second = With(path, otherKey))
        {
            var e = await Assert.ThrowsAsync<MillionX.Pipeline.Hosting.StartupException>(() => second.EnsureSchemaAsync(CancellationToken.None));
            Assert.Contains("Privacy:HashKeyId 'k1': fingerprint " + KeyFingerprints.Of(TestConfig.HashKey), e.Message, StringComparison.Ordinal);
            Assert.Contains("(KEY_FINGERPRINTS), this process has " + KeyFingerprints.Of(otherKey), e.Message, StringComparison.Ordinal);
        }

        await using (var again = With(path, TestConfig.HashKey))
        {
            await again.EnsureSchemaAsync(CancellationToken.None);
        }

        Assert.Equal(["dead-letter:d1", "hash:k1"], DuckDbQuery.Column(path, "select KEY_ID from KEY_FINGERPRINTS order by KEY_ID"));
    }
}
