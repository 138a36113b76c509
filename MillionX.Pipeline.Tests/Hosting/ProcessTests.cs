using System.Diagnostics;

namespace MillionX.Pipeline.Tests.Hosting;

/// <summary>The built binary, run as users run it: exit codes, messages, Ctrl+C and the broker command.</summary>
// Times stops and kills of real processes: run alone, after the parallel tests, so two cores shared with
// the rest of the suite do not decide the outcome.
[Collection(Reliability.SerialReliabilityCollection.Name)]
public sealed class ProcessTests
{
    [Theory]
    [InlineData(new[] { "--profile", "nope" }, "'nope'")]
    [InlineData(new[] { "--role", "nope" }, "'nope'")]
    [InlineData(new[] { "frobnicate" }, "'frobnicate'")]
    [InlineData(new[] { "ingest", "--source", "tiktok", "--file", "/nonexistent/x.jsonl" }, "/nonexistent/x.jsonl")]
    [InlineData(new[] { "--Stages:sample-source:RatePerSecond=-3" }, "RatePerSecond")]
    public void Run_BadInput_ExitsNonZeroWithMessage(string[] args, string expected)
    {
        using var p = new PipelineProcess(args);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "process did not exit");
        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains(expected, p.AllOutput, StringComparison.Ordinal);
    }

    /// <summary>Start-up mistakes the README names: one line naming the setting, exit 2, no stack trace (that is for Debug).</summary>
    [Theory]
    [InlineData("--Embedding:ModelPath=/nonexistent/model.onnx", "error: Embedding:ModelPath '/nonexistent/model.onnx' does not exist")]
    [InlineData("--Embedding:CacheDirectory=/proc/millionx-models", "error: Cannot write the model cache Embedding:CacheDirectory '/proc/millionx-models'")]
    [InlineData("--Embedding:Precision=fp16", "Embedding:Precision must be int8 or fp32")]
    [InlineData("--Privacy:HashKey=not-base64!", "error: Privacy:HashKey must be base64")]
    [InlineData("--Observability:Http:Urls=http://127.0.0.1:{busy}", "error: Observability:Http:Urls 'http://127.0.0.1:{busy}' cannot be bound")]
    public void Run_StartupMistake_OneLineNamingTheSettingExit2(string arg, string expected)
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var p = new PipelineProcess([arg.Replace("{busy}", port, StringComparison.Ordinal)], new Dictionary<string, string> { ["Observability__Http__Enabled"] = "true" });
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "process did not exit");

        Assert.Equal(2, p.ExitCode);
        Assert.Contains(expected.Replace("{busy}", port, StringComparison.Ordinal), p.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(p.AllOutput.Split('\n'), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", p.AllOutput, StringComparison.Ordinal);
    }

    /// <summary>A value outside an option's allowed ones: one line naming them, exit 2, no stack trace.</summary>
    [Theory]
    [InlineData(new[] { "ingest", "--source", "instagram", "--file", "x.jsonl" }, "error: Unknown source 'instagram'. Valid sources: tiktok, facebook, shopify, daraz, weather.")]
    [InlineData(new[] { "--profile", "nope" }, "error: Unknown profile 'nope'. Valid profiles: ingest, local, sinks, stream.")]
    [InlineData(new[] { "--role", "nope" }, "error: Unknown role 'nope'. Valid roles (stage names):")]
    [InlineData(new[] { "dlq", "rewind" }, "error: dlq needs an action, not 'rewind'. Valid actions: inspect, replay.")]
    public void Run_ValueNotAllowed_OneLineNamingTheAllowedValuesExit2(string[] args, string expected)
    {
        using var p = new PipelineProcess(args);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "process did not exit");

        Assert.Equal(2, p.ExitCode);
        Assert.Contains(expected, p.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(p.AllOutput.Split('\n'), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", p.AllOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "ingest", "--help" }, "--source <tiktok|facebook|shopify|daraz|weather>")]
    [InlineData(new[] { "--help" }, "Commands:")]
    public void Help_PrintsTheOptionsExit0(string[] args, string expected)
    {
        using var p = new PipelineProcess(args);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "process did not exit");

        Assert.Equal(0, p.ExitCode);
        Assert.Contains(expected, string.Join('\n', p.Stdout), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_StartupMistakeAtDebug_AlsoPrintsTheStackTrace()
    {
        using var p = new PipelineProcess(["--Embedding:ModelPath=/nonexistent/model.onnx", "--Serilog:MinimumLevel:Default=Debug"]);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "process did not exit");

        Assert.Equal(2, p.ExitCode);
        Assert.Contains("error: Embedding:ModelPath", p.AllOutput, StringComparison.Ordinal);
        Assert.Contains(p.AllOutput.Split('\n'), l => l.TrimStart().StartsWith("at MillionX.Pipeline.Embedding.ModelLoader", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_RoleFromEnvironment_RunsThatStageOnly()
    {
        using var p = new PipelineProcess(["--Observability:ProgressInterval=00:00:01"], new Dictionary<string, string> { ["MILLIONX_ROLE"] = "bogus-stage" });
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("Unknown role 'bogus-stage'", p.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LocalProfile_RecordsFlowAndCtrlCStopsWithin5sCommittingOffsets()
    {
        using var p = new PipelineProcess(["--Observability:ProgressInterval=00:00:01"]);
        var flowing = await TestConfig.Eventually(
            () => p.Stdout.Any(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"progress .*dlq-monitor in=[1-9]")
                && System.Text.RegularExpressions.Regex.IsMatch(l, @"sample-source in=[1-9]\d* \S+ out=[1-9]\d* dlq=[1-9]")
                && System.Text.RegularExpressions.Regex.IsMatch(l, @"warehouse-sink in=\d+ \S+ out=[1-9]")),
            TimeSpan.FromSeconds(30));
        Assert.True(flowing, "no progress line with records and dead letters within 30 s:\n" + p.AllOutput);
        Assert.Contains(p.Stdout, l => l.Contains("EMBEDDED in-memory Kafka broker", StringComparison.Ordinal));

        var stopwatch = Stopwatch.StartNew();
        p.Signal("INT");
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(5)), "did not stop within 5 s of Ctrl+C:\n" + p.AllOutput);
        stopwatch.Stop();
        Assert.Equal(0, p.ExitCode);
        Assert.Contains(p.Stdout, l => l.Contains("Stage dlq-monitor committed its offsets and left group", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Broker_Command_ServesCatalogToOtherProcesses()
    {
        var dir = Directory.CreateTempSubdirectory("broker-").FullName;
        var addressFile = Path.Combine(dir, "broker.address");
        using var broker = new PipelineProcess(["broker", "--address-file", addressFile]);
        Assert.True(await TestConfig.Eventually(() => File.Exists(addressFile), TimeSpan.FromSeconds(30)), broker.AllOutput);
        var address = (await File.ReadAllTextAsync(addressFile)).Trim();
        Assert.Matches(@"^127\.0\.0\.1:\d+$", address);
        Assert.True(await TestConfig.Eventually(() => broker.Stdout.Contains(address), TimeSpan.FromSeconds(5)), "address not printed on stdout");

        var file = Path.Combine(dir, "weather.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            "{\"city\":\"Dhaka\",\"temperature\":31.5,\"condition\":\"Haze\",\"humidity\":70,\"wind_speed\":3.1,\"timestamp\":\"2026-11-20T10:00:00Z\"}",
            "{\"city\":\"Sylhet\",\"temperature\":27,\"condition\":\"Rain\",\"humidity\":92,\"wind_speed\":5,\"timestamp\":\"2026-11-20T10:00:00Z\"}",
            "{\"city\":\"Khulna\",\"temperature\":29,\"condition\":\"Clear\",\"humidity\":140,\"wind_speed\":2,\"timestamp\":\"2026-11-20T10:00:00Z\"}",
        ]);
        var env = TestConfig.BrokerClientEnvironment;
        env["Kafka__BootstrapServers"] = address;
        env["Kafka__Provisioning__Enabled"] = "false";
        using (var ingest = new PipelineProcess(["ingest", "--source", "weather", "--file", file, "--profile", "stream"], env))
        {
            Assert.True(ingest.WaitForExit(TimeSpan.FromSeconds(90)), ingest.AllOutput);
            Assert.Equal(0, ingest.ExitCode);
            Assert.Contains(ingest.Stdout, l => l.Contains("accepted        2", StringComparison.Ordinal));
        }

        // The data lives in the broker process, not in the ingest process that wrote it.
        Assert.Equal(2, TestBroker.ReadAll(address, Topics.Weather).Count);
        var dead = Assert.Single(TestBroker.ReadAll(address, Topics.DeadLettersWeather));
        Assert.Contains("out_of_range", System.Text.Encoding.UTF8.GetString(dead.Message.Value), StringComparison.Ordinal);
        broker.Signal("INT");
        Assert.True(broker.WaitForExit(TimeSpan.FromSeconds(10)), broker.AllOutput);
        Directory.Delete(dir, true);
    }
}
