namespace MillionX.Pipeline.Hosting;

/// <summary>Composition of the host: shared plumbing once, then only the selected stages.</summary>
public static class PipelineHostExtensions
{
    /// <summary>Kafka (embedded or real), the shared producer, validation and dead-lettering.</summary>
    public static IHostApplicationBuilder AddPipelineCore(this IHostApplicationBuilder builder)
    {
        var s = builder.Services;
        s.AddSingleton(TimeProvider.System);
        s.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Topics.Count > 0, "Kafka:Topics (the topic catalog) is empty.")
            .Validate(o => Topics.All.All(o.Topics.ContainsKey),
                $"Kafka:Topics must define every pipeline topic: {string.Join(", ", Topics.All)}.")
            .ValidateOnStart();
        s.AddValidatedOptions<ValidationLimits>(ValidationLimits.Section);
        s.AddSingleton(sp => sp.GetRequiredService<IOptions<ValidationLimits>>().Value);
        s.AddSingleton<KafkaCluster>();
        s.AddSingleton<KafkaClientFactory>();
        s.AddSingleton<TopicProvisioner>();
        s.AddSingleton<PipelineProducer>();
        s.AddSingleton<PipelineMetrics>();
        s.AddSingleton(new StageRegistry());
        s.AddSingleton<RecordValidator>();
        s.AddSingleton<SourceGate>();
        s.AddSingleton<SourcePublisher>();
        s.AddSingleton<DeadLetterPublisher>();
        s.AddValidatedOptions<PrivacyOptions>(PrivacyOptions.Section);
        s.AddSingleton<PrivacyKeys>();
        s.AddSingleton(sp => DeadLetterCrypto.From(sp.GetRequiredService<PrivacyKeys>()));
        s.AddSingleton(sp => PiiHasher.From(sp.GetRequiredService<PrivacyKeys>()));
        s.AddSingleton<PiiScrubber>();
        s.AddSingleton<DeadLetters.DeadLetterMasking>();
        s.AddSingleton<StageServices>();

        // Before every stage: the broker is up and the topics exist when the first stage starts.
        s.AddHostedService<PrivacyKeyCheck>();
        s.AddHostedService<KafkaStartup>();
        s.AddHostedService<KeyFingerprintCheck>();
        s.AddSingleton<RetentionWatch>();
        s.AddHostedService(sp => sp.GetRequiredService<RetentionWatch>());
        return builder;
    }

    /// <summary>Reads profile, role and <c>Stages:Name:Enabled</c>, registers the selected stages and logs why each runs.</summary>
    public static IReadOnlyList<SelectedStage> AddPipelineStages(this IHostApplicationBuilder builder, Func<StageDefinition, bool>? filter = null)
    {
        var selection = SelectStages(builder.Configuration);
        var registry = (StageRegistry)builder.Services.Single(d => d.ServiceType == typeof(StageRegistry)).ImplementationInstance!;
        foreach (var stage in selection)
        {
            var definition = StageCatalog.Get(stage.Name);
            if (filter is not null && !filter(definition))
            {
                continue;
            }

            registry.Add(stage.Name, stage.Reason);
            definition.Register(builder);
        }

        builder.Services.AddSingleton(Privacy.ExternalSystems.Of(builder.Configuration, registry.All.Select(s => s.Name).ToList()));
        return selection;
    }

    public static IReadOnlyList<SelectedStage> SelectStages(IConfiguration configuration)
    {
        var pipeline = configuration.GetSection(PipelineOptions.Section).Get<PipelineOptions>() ?? new PipelineOptions();
        var overrides = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in configuration.GetSection("Stages").GetChildren())
        {
            if (!StageCatalog.Names.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new StageSelectionException(
                    $"Configuration section Stages:{section.Key} names unknown stage '{section.Key}'. Valid stages: {string.Join(", ", StageCatalog.Names.Order(StringComparer.Ordinal))}.");
            }

            var enabled = section["Enabled"];
            if (enabled is null)
            {
                continue;
            }

            if (!bool.TryParse(enabled, out var value))
            {
                throw new StageSelectionException($"Stages:{section.Key}:Enabled is '{enabled}'; valid values: true, false.");
            }

            overrides[section.Key] = value;
        }

        return StageSelector.Select(StageCatalog.Names, pipeline.Profiles, pipeline.Roles, pipeline.Profile, pipeline.Role, overrides);
    }
}
