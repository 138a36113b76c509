using MillionX.Pipeline.DeadLetters;
using MillionX.Pipeline.Hosting;
using MillionX.Pipeline.Observability;
using MillionX.Pipeline.Privacy;
using MillionX.Pipeline.Stages.DeadLetterMonitor;
using Serilog.Events;
using Serilog.Parsing;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class StatusReportTests
{
    private const string Phone = "01812345678";
    private readonly PiiScrubber _scrubber = new(TestConfig.Hasher);

    [Fact]
    public void Mask_PlainPayload_ScrubsEnvelopeFieldsAndPayloadBeforeCutting()
    {
        // The phone straddles the preview's cut: masking first means no digits of it survive.
        var payload = new string('x', StatusReporter.PreviewChars - 4) + $" {Phone} and rahim@example.com";
        var envelope = Envelope(payload, "utf8") with { Key = Phone, Origin = $"file:{Phone}.jsonl:1" };
        var example = Reporter().Mask(envelope);

        Assert.DoesNotContain(" 018", example.PayloadPreview, StringComparison.Ordinal);
        Assert.Contains(" PHO", example.PayloadPreview, StringComparison.Ordinal);
        Assert.EndsWith("…", example.PayloadPreview, StringComparison.Ordinal);
        Assert.StartsWith("PHONE_k1_", example.Key, StringComparison.Ordinal);
        Assert.DoesNotContain(Phone, example.Origin, StringComparison.Ordinal);
        var error = Assert.Single(example.Errors);
        Assert.DoesNotContain(Phone, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rahim@example.com", error.Message, StringComparison.Ordinal);
        Assert.Contains("EMAIL_k1_", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_EncryptedOrBinaryPayload_NeverShown()
    {
        var encrypted = DeadLetterPublisher.Build(
            new RecordContext("privacy-shield", "source.social.tiktok", 1, 2, Encoding.UTF8.GetBytes("p1")),
            Encoding.UTF8.GetBytes($"{{\"author_username\":\"rahim\",\"content\":\"call {Phone}\"}}"),
            [new ValidationError("$.content", "too_short", "too short")], DateTimeOffset.UtcNow, TestConfig.Crypto);
        var example = Reporter().Mask(encrypted);
        Assert.Null(example.PayloadPreview);
        Assert.Equal("aes-256-gcm", example.PayloadEncoding);
        Assert.Null(Reporter().Mask(Envelope("AAEC", "base64")).PayloadPreview);
    }

    [Fact]
    public void Build_LedgerAndCounters_GroupsObservedDeadLettersByReasonNewestExampleFirst()
    {
        var ledger = new DeadLetterLedger();
        ledger.Add("dead-letters-weather", "sample-source", "out_of_range", Envelope("{\"n\":1}", "utf8"));
        ledger.Add("dead-letters-market", "privacy-shield", "out_of_range", Envelope("{\"n\":2}", "utf8"));
        ledger.Add("dead-letters-social", "sample-source", "too_short", null);
        var stages = new StageRegistry();
        stages.Add("dlq-monitor", "role flag").Running();
        var metrics = new PipelineMetrics();
        metrics.Stage("dlq-monitor").RecordIn(3);
        var report = Reporter(ledger, stages, metrics).Build();

        Assert.Equal("ok", report.Health);
        var stage = Assert.Single(report.Stages);
        Assert.Equal(("dlq-monitor", "running", 3L), (stage.Name, stage.State, stage.RecordsIn));
        Assert.True(report.DeadLetters.Monitored);
        Assert.Equal(3, report.DeadLetters.ObservedTotal);
        var top = report.DeadLetters.Observed[0];
        Assert.Equal(("out_of_range", 2L), (top.Reason, top.Count));
        Assert.Equal(["dead-letters-market", "dead-letters-weather"], top.Topics);
        Assert.Equal(["privacy-shield", "sample-source"], top.Stages);
        Assert.Equal(["{\"n\":2}", "{\"n\":1}"], top.Examples.Select(e => e.PayloadPreview));
        Assert.Empty(report.DeadLetters.Observed[1].Examples);
        Assert.False(report.Search.Available);
    }

    [Fact]
    public void Ledger_EndlessInventedReasons_KeepsExamplesForABoundedNumber()
    {
        var ledger = new DeadLetterLedger();
        for (var i = 0; i < DeadLetterLedger.MaxReasonsWithExamples + 50; i++)
        {
            ledger.Add("dead-letters-weather", "x", $"reason-{i}", Envelope("{}", "utf8"));
        }

        Assert.Single(ledger.Examples("reason-0"));
        Assert.Empty(ledger.Examples($"reason-{DeadLetterLedger.MaxReasonsWithExamples + 10}"));
        Assert.Equal(DeadLetterLedger.MaxReasonsWithExamples + 50, ledger.Total);
    }

    [Fact]
    public void RecentErrors_ManyEvents_KeepsTheLastWarningsAndErrorsNewestFirst()
    {
        var ring = new RecentErrors();
        ring.Emit(Event(LogEventLevel.Information, "info is not kept"));
        for (var i = 0; i < RecentErrors.Capacity + 20; i++)
        {
            ring.Emit(Event(i % 2 == 0 ? LogEventLevel.Warning : LogEventLevel.Error, $"event {i}"));
        }

        var kept = ring.Snapshot();
        Assert.Equal(RecentErrors.Capacity, kept.Count);
        Assert.Equal($"event {RecentErrors.Capacity + 19}", kept[0].Message);
        Assert.Equal("event 20", kept[^1].Message);
        Assert.DoesNotContain(kept, e => e.Message == "info is not kept");
    }

    [Fact]
    public void Build_RecentErrorWithPersonalData_IsMaskedOnThePage()
    {
        var ring = new RecentErrors();
        ring.Emit(Event(LogEventLevel.Error, $"could not reach {Phone}"));
        var report = Reporter(errors: ring).Build();
        Assert.DoesNotContain(Phone, report.RecentErrors[0].Message, StringComparison.Ordinal);
        Assert.Contains("PHONE_k1_", report.RecentErrors[0].Message, StringComparison.Ordinal);
    }

    private StatusReporter Reporter(DeadLetterLedger? ledger = null, StageRegistry? stages = null, PipelineMetrics? metrics = null, RecentErrors? errors = null) =>
        new(stages ?? new StageRegistry(), metrics ?? new PipelineMetrics(), errors ?? new RecentErrors(), new DeadLetterMasking(_scrubber), TimeProvider.System, ledger);

    private static DeadLetterEnvelope Envelope(string payload, string encoding) => new()
    {
        Reason = "out_of_range",
        Errors = [new ValidationError("$.humidity", "out_of_range", $"humidity out of range; reporter {Phone}, rahim@example.com")],
        Stage = "sample-source",
        SourceTopic = "context.weather",
        FailedAt = DateTimeOffset.UtcNow,
        OriginalPayload = payload,
        PayloadEncoding = encoding,
        PayloadBytes = payload.Length,
    };

    private static LogEvent Event(LogEventLevel level, string text) =>
        new(DateTimeOffset.UtcNow, level, null, new MessageTemplateParser().Parse(text.Replace("{", "{{", StringComparison.Ordinal)), []);
}
