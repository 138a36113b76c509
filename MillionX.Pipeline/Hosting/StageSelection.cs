namespace MillionX.Pipeline.Hosting;

/// <summary>A stage chosen to run, and why.</summary>
public sealed record SelectedStage(string Name, string Reason);

/// <summary>A profile, role or stage name that does not exist, or a selection that runs nothing.</summary>
public sealed class StageSelectionException(string message) : Exception(message);

/// <summary>
/// Pure: decides which stages run. A role runs the stages it names: a comma-separated list of stage names and
/// role groups (<c>Pipeline:Roles</c>, e.g. <c>scrapers</c> = both social scrapers); otherwise the profile's set.
/// Then <c>Stages:Name:Enabled</c> switches single stages on or off over either.
/// </summary>
public static class StageSelector
{
    private static readonly IReadOnlyDictionary<string, string[]> NoRoleGroups = new Dictionary<string, string[]>();

    public static IReadOnlyList<SelectedStage> Select(
        IReadOnlyCollection<string> knownStages,
        IReadOnlyDictionary<string, string[]> profiles,
        string? profile,
        string? role,
        IReadOnlyDictionary<string, bool> enabledOverrides) =>
        Select(knownStages, profiles, NoRoleGroups, profile, role, enabledOverrides);

    public static IReadOnlyList<SelectedStage> Select(
        IReadOnlyCollection<string> knownStages,
        IReadOnlyDictionary<string, string[]> profiles,
        IReadOnlyDictionary<string, string[]> roleGroups,
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
            foreach (var (stage, reason) in ResolveRole(role, known, roleGroups, Valid))
            {
                // A stage named twice (directly and through a group) keeps the first reason.
                selected.TryAdd(Canonical(stage), reason);
            }
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

    /// <summary>Each entry of a comma-separated role: a stage name, or a role group expanded to its stages.</summary>
    private static IEnumerable<(string Stage, string Reason)> ResolveRole(
        string role, HashSet<string> known, IReadOnlyDictionary<string, string[]> roleGroups, Func<string> validStages)
    {
        string ValidGroups() => roleGroups.Count == 0
            ? "none defined (Pipeline:Roles)"
            : string.Join(", ", roleGroups.Keys.OrderBy(g => g, StringComparer.Ordinal));

        var entries = role.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (entries.Length == 0)
        {
            throw new StageSelectionException($"Role '{role}' names no stage. Valid roles: stage names {validStages()}; role groups {ValidGroups()}.");
        }

        var result = new List<(string, string)>();
        foreach (var entry in entries)
        {
            var group = roleGroups.Keys.FirstOrDefault(g => string.Equals(g, entry, StringComparison.OrdinalIgnoreCase));
            if (known.Contains(entry))
            {
                if (group is not null)
                {
                    throw new StageSelectionException(
                        $"Pipeline:Roles:{group} has the name of a stage; rename the role group so '{entry}' means one thing.");
                }

                result.Add((entry, "role flag"));
            }
            else if (group is not null)
            {
                var stages = roleGroups[group];
                if (stages.Length == 0)
                {
                    throw new StageSelectionException($"Role group '{group}' (Pipeline:Roles:{group}) names no stage. Valid stages: {validStages()}.");
                }

                foreach (var stage in stages)
                {
                    if (!known.Contains(stage))
                    {
                        throw new StageSelectionException(
                            $"Role group '{group}' (Pipeline:Roles:{group}) names unknown stage '{stage}'. Valid stages: {validStages()}.");
                    }

                    result.Add((stage, $"role group '{group}'"));
                }
            }
            else
            {
                var which = entries.Length == 1 ? $"Unknown role '{role.Trim()}'" : $"Unknown role '{entry}' in '{role.Trim()}'";
                throw new StageSelectionException($"{which}. Valid roles (stage names): {validStages()}; role groups (Pipeline:Roles): {ValidGroups()}. Several may be given, comma-separated.");
            }
        }

        return result;
    }
}
