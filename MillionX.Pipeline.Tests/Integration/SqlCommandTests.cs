namespace MillionX.Pipeline.Tests.Integration;

public sealed class SqlCommandTests : BrokerTest
{
    [Fact]
    public async Task Sql_AfterWeatherIngest_PrintsTableAndJsonLines()
    {
        var file = Path.Combine(TempDir, "weather.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            "{\"city\":\"Dhaka\",\"temperature\":41.5,\"condition\":\"Haze\",\"humidity\":40,\"wind_speed\":3,\"timestamp\":\"2026-11-20T10:00:00Z\"}",
            "{\"city\":\"Sylhet\",\"temperature\":24,\"condition\":\"Clear\",\"humidity\":70,\"wind_speed\":2,\"timestamp\":\"2026-11-20T10:00:00Z\"}",
            "{\"city\":\"Sylhet\",\"temperature\":24,\"condition\":\"Clear\",\"humidity\":70,\"wind_speed\":2,\"timestamp\":\"2026-11-20T10:00:00Z\"}",
        ]);
        var config = Broker.Config();
        Assert.Equal(0, await IngestCommand.RunAsync(CommandLine.Parse(["ingest", "--source", "weather", "--file", file, "--profile", "sinks"]), config, new StringWriter()));

        var table = new StringWriter();
        Assert.Equal(0, await SqlCommand.RunAsync(CommandLine.Parse(["sql", "select CITY, IS_EXTREME_WEATHER from WEATHER_LOGS order by CITY"]), config, table));
        var lines = table.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("CITY   | IS_EXTREME_WEATHER", lines[0]);
        Assert.Equal("Dhaka  | True", lines[2]);
        Assert.Equal("Sylhet | False", lines[3]);
        Assert.Equal("(2 rows)", lines[4]);

        var json = new StringWriter();
        Assert.Equal(0, await SqlCommand.RunAsync(CommandLine.Parse(["sql", "select CITY, TEMPERATURE, RECORDED_AT from WEATHER_LOGS order by CITY", "--json"]), config, json));
        Assert.Equal(
            "{\"CITY\":\"Dhaka\",\"TEMPERATURE\":41.5,\"RECORDED_AT\":\"2026-11-20T10:00:00\"}\n{\"CITY\":\"Sylhet\",\"TEMPERATURE\":24,\"RECORDED_AT\":\"2026-11-20T10:00:00\"}\n",
            json.ToString().Replace("\r", "", StringComparison.Ordinal));

        // The query reads the warehouse and nothing else: no files, no COPY out, no ATTACH, and it cannot switch that back on.
        var secret = Path.Combine(TempDir, "secret.csv");
        await File.WriteAllTextAsync(secret, "k,v\nkey,hunter2\n");
        foreach (var escape in new[]
        {
            $"select * from read_csv('{secret}')",
            $"copy (select * from WEATHER_LOGS) to '{Path.Combine(TempDir, "out.csv")}'",
            $"attach '{Path.Combine(TempDir, "other.duckdb")}' as other",
            "set enable_external_access = true",
        })
        {
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => SqlCommand.RunAsync(CommandLine.Parse(["sql", escape]), config, new StringWriter()));
            Assert.StartsWith("Query failed:", refused.Message, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(TempDir, "out.csv")));
    }

    [Fact]
    public async Task Sql_BadQueryOrNoWarehouse_ClearError()
    {
        var config = Broker.Config();
        var missing = await Assert.ThrowsAsync<ArgumentException>(() => SqlCommand.RunAsync(CommandLine.Parse(["sql", "select 1"]), config));
        Assert.Contains("No warehouse at", missing.Message, StringComparison.Ordinal);
    }
}
