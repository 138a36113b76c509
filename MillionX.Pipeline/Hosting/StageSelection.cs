namespace MillionX.Pipeline.Hosting;

/// <summary>A stage chosen to run, and why.</summary>
public sealed record SelectedStage(string Name, string Reason);

/// <summary>A profile, role or stage name that does not exist, or a selection that runs nothing.</summary>
public sealed class StageSelectionException(string message) : Exception(message);

/// <summary>
/// Pure: decides which stages run. A role runs exactly one stage; otherwise the profile's set. Then
/// <c>Stages:Name:Enabled</c> switches single stages on or off over either.
/// </summary>
public static class StageSelector
{
    public static IReadOnlyList<SelectedStage> Select(
        IReadOnlyCollection<string> knownStages,
        IReadOnlyDictionary<string, string[]> profiles,
        string? profile,
        string? role,
        IReadOnlyDictionary<string, bool> enabledOverrides)
    {
        var known = new HashSet<string>(knownStages, StringComparer.OrdinalIgnoreCase);
        string Canonical(string name) => knownStages.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        string Valid() => string.Join(", ", knownStages.OrderBy(s => s, StringComparer.Ordinal));

        var selected = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(role))
        {
            if (!known.Contains(role.Trim()))
            {
                throw new StageSelectionException($"Unknown role '{role}'. Valid roles (stage names): {Valid()}.");
            }

            selected[Canonical(role.Trim())] = "role flag";
        }
        else
        {
            var name = string.IsNullOrWhiteSpace(profile) ? "local" : profile.Trim();
            var match = profiles.Keys.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                throw new StageSelectionException(
                    $"Unknown profile '{name}'. Valid profiles: {string.Join(", ", profiles.Keys.OrderBy(p => p, StringComparer.Ordinal))}.");
            }

            foreach (var stage in profiles[match])
            {
                if (!known.Contains(stage))
                {
                    throw new StageSelectionException($"Profile '{match}' names unknown stage '{stage}'. Valid stages: {Valid()}.");
                }

                selected[Canonical(stage)] = $"profile '{match}'";
            }
        }

        foreach (var (stage, enabled) in enabledOverrides)
        {
            if (!known.Contains(stage))
            {
                throw new StageSelectionException($"Stages:{stage}:Enabled names unknown stage '{stage}'. Valid stages: {Valid()}.");
            }

            var canonical = Canonical(stage);
            if (enabled)
            {
                selected[canonical] = $"Stages:{canonical}:Enabled=true";
            }
            else
            {
                selected.Remove(canonical);
            }
        }

        if (selected.Count == 0)
        {
            throw new StageSelectionException("No stage is enabled: the profile or role, after Stages:<Name>:Enabled overrides, selects nothing.");
        }

        return selected.Select(s => new SelectedStage(s.Key, s.Value)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }
}
