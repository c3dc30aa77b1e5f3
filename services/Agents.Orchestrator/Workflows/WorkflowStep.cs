using System.Text.Json;
using Agents.Contracts;

namespace Agents.Orchestrator.Workflows;

/// <summary>
/// One step of a workflow, in the order the workflow runs them: a built-in agent (<see cref="IncidentSteps.Agents"/>)
/// or a plug-in step whose agent the orchestrator does not know, which gets the generic step command on its own queue.
/// </summary>
public sealed record WorkflowStep
{
    /// <summary>The step's name: a built-in step, or a plug-in step's own (lower-case kebab-case; its segment's name too).</summary>
    public required string Name { get; init; }

    /// <summary>A plug-in step's queue (<c>agent:</c>, else the step's name); null for a built-in step.</summary>
    public string? Agent { get; init; }

    /// <summary>A plug-in step's <c>settings:</c>, sent with each command as they are; null when none.</summary>
    public JsonElement? Settings { get; init; }

    /// <summary>When the step runs (<c>when:</c>); null: always. A step whose condition does not hold is skipped, and the timeline says so.</summary>
    public IncidentMatch? When { get; init; }

    public bool IsBuiltIn => IncidentSteps.Agents.Contains(Name);
}

/// <summary>
/// A condition on an incident, for a routing rule or a step's <c>when:</c>. Every given field must hold (and);
/// within a list, any value (or). Severity is triage's once triage ran, the alert's before. Team, tier and
/// environment are the service catalog entry's the alert matched (none matched: these never hold).
/// </summary>
public sealed record IncidentMatch
{
    public IReadOnlyList<string>? Severity { get; init; }

    /// <summary>The alert's <c>source</c> (the sender, e.g. <c>alertmanager</c>, <c>pagerduty</c>).</summary>
    public IReadOnlyList<string>? Source { get; init; }

    /// <summary>The alert's <c>format</c> (<c>alertmanager</c>, <c>pagerduty</c>, <c>generic</c>).</summary>
    public IReadOnlyList<string>? Format { get; init; }

    /// <summary>Alert labels that must be present with one of the values given (exact, case-sensitive).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Labels { get; init; }

    public IReadOnlyList<string>? Service { get; init; }

    public IReadOnlyList<string>? Team { get; init; }

    public IReadOnlyList<string>? Tier { get; init; }

    public IReadOnlyList<string>? Environment { get; init; }

    /// <summary>Whether <paramref name="facts"/> meet every condition given.</summary>
    public bool Matches(IncidentFacts facts) =>
        Holds(Severity, facts.Severity) && Holds(Source, facts.Source) && Holds(Format, facts.Format) && Holds(Service, facts.Service)
        && Holds(Team, facts.Team) && Holds(Tier, facts.Tier) && Holds(Environment, facts.Environment)
        && (Labels is null || Labels.All(l => facts.Labels.TryGetValue(l.Key, out var value) && l.Value.Contains(value, StringComparer.Ordinal)));

    private static bool Holds(IReadOnlyList<string>? allowed, string? actual) =>
        allowed is null || (actual is not null && allowed.Contains(actual, StringComparer.OrdinalIgnoreCase));

    /// <summary>The condition as a short text for the timeline and logs, e.g. <c>severity in [critical, high]</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        void Add(string name, IReadOnlyList<string>? values)
        {
            if (values is not null)
            {
                parts.Add($"{name} in [{string.Join(", ", values)}]");
            }
        }

        Add("severity", Severity);
        Add("source", Source);
        Add("format", Format);
        Add("service", Service);
        Add("team", Team);
        Add("tier", Tier);
        Add("environment", Environment);
        foreach (var (label, values) in Labels ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            parts.Add($"labels.{label} in [{string.Join(", ", values)}]");
        }

        return parts.Count == 0 ? "always" : string.Join(" and ", parts);
    }
}

/// <summary>What routing rules and <c>when:</c> conditions look at.</summary>
public sealed record IncidentFacts
{
    public string? Severity { get; init; }

    public string? Source { get; init; }

    public string? Format { get; init; }

    public string? Service { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public string? Team { get; init; }

    public string? Tier { get; init; }

    public string? Environment { get; init; }
}

/// <summary>A routing rule: the first rule (in file order) whose <see cref="Match"/> holds picks the new incident's workflow.</summary>
public sealed record WorkflowRoute
{
    /// <summary>The rule's name (<c>name:</c>, else <c>routing.rules[N]</c>), recorded on the incident that it routed.</summary>
    public required string Name { get; init; }

    public required IncidentMatch Match { get; init; }

    public required string Workflow { get; init; }
}

/// <summary>
/// Everything the workflow file says about incidents: its workflows, the routing rules that choose one for each new
/// incident (the last resort being <see cref="DefaultWorkflow"/>), and the file's version (a hash of its text),
/// which every incident records with its workflow.
/// </summary>
public sealed record WorkflowSet
{
    public required IReadOnlyDictionary<string, IncidentWorkflow> Workflows { get; init; }

    public required IReadOnlyList<WorkflowRoute> Routes { get; init; }

    /// <summary>The workflow of an incident no rule matched (<c>routing.default</c>; with no routing section, the only or the <c>incident-response</c> workflow).</summary>
    public required string DefaultWorkflow { get; init; }

    /// <summary>The first 12 hex digits of the SHA-256 of the file's text (<c>built-in</c> for <see cref="Default"/>).</summary>
    public required string Version { get; init; }

    /// <summary>The workflow for a new incident with <paramref name="facts"/>, and the name of the rule that chose it (<c>default</c> for none).</summary>
    public (IncidentWorkflow Workflow, string Rule) Route(IncidentFacts facts)
    {
        foreach (var route in Routes)
        {
            if (route.Match.Matches(facts))
            {
                return (Workflows[route.Workflow], route.Name);
            }
        }

        return (Workflows[DefaultWorkflow], "default");
    }

    /// <summary>One workflow and no routing rules: what tests and the built-in defaults use.</summary>
    public static WorkflowSet Of(IncidentWorkflow workflow, string version = "built-in") => new()
    {
        Workflows = new Dictionary<string, IncidentWorkflow> { [workflow.Name] = workflow },
        Routes = [],
        DefaultWorkflow = workflow.Name,
        Version = version,
    };

    public static WorkflowSet Default { get; } = Of(IncidentWorkflow.Default);
}
