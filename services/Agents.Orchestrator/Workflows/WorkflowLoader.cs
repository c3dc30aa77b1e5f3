using Agents.Contracts.Deliberation;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Hosting;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Agents.Orchestrator.Workflows;

/// <summary>Reads and validates the workflow YAML; every problem found is reported at once.</summary>
public static class WorkflowLoader
{
    public static IncidentWorkflow LoadFile(string path, string workflow)
    {
        if (!File.Exists(path))
        {
            throw new WorkflowConfigurationException($"Workflow file '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path), workflow, path);
    }

    public static IncidentWorkflow Parse(string yaml, string workflow, string origin)
    {
        var file = Read(yaml, origin);
        if (!file.Workflows.TryGetValue(workflow, out var definition))
        {
            throw new WorkflowConfigurationException(
                $"Workflow file '{origin}' has no workflow '{workflow}' (it has: {string.Join(", ", file.Workflows.Keys)}).");
        }

        var errors = new List<string>();
        var severities = definition.ShortCircuitSeverities ?? [];
        foreach (var severity in severities.Where(s => !Severities.IsKnown(s)))
        {
            errors.Add($"shortCircuitSeverities: '{severity}' is not one of {string.Join(", ", Severities.All)}");
        }

        var minimumConfidence = definition.MinimumConfidence ?? IncidentWorkflow.Default.MinimumConfidence;
        if (minimumConfidence is < 0 or > 1)
        {
            errors.Add($"minimumConfidence: {minimumConfidence} is not between 0 and 1");
        }

        var steps = new Dictionary<string, StepPolicy>();
        var given = definition.Steps ?? [];
        foreach (var unknown in given.Keys.Except(IncidentSteps.Agents))
        {
            errors.Add($"steps: '{unknown}' is not a step (steps are {string.Join(", ", IncidentSteps.Agents)})");
        }

        foreach (var step in IncidentSteps.Agents)
        {
            var fallback = IncidentWorkflow.Default.Step(step);
            if (!given.TryGetValue(step, out var stepDefinition))
            {
                steps[step] = fallback;
                continue;
            }

            var timeout = fallback.Timeout;
            if (stepDefinition.Timeout is not null
                && (!Durations.TryParse(stepDefinition.Timeout, out timeout) || timeout <= TimeSpan.Zero))
            {
                errors.Add($"steps.{step}.timeout: '{stepDefinition.Timeout}' is not a positive duration such as 500ms, 30s or 2m");
            }

            var attempts = stepDefinition.Attempts ?? fallback.Attempts;
            if (attempts is < 1 or > 10)
            {
                errors.Add($"steps.{step}.attempts: {attempts} is not between 1 and 10");
            }
            else if (step == IncidentSteps.Remediation && attempts != 1)
            {
                errors.Add($"steps.remediation.attempts: {attempts}: remediation is never retried blindly, it must be 1 (a failure escalates)");
            }

            var onExhausted = stepDefinition.OnExhausted ?? fallback.OnExhausted;
            if (!ExhaustedPolicies.All.Contains(onExhausted))
            {
                errors.Add($"steps.{step}.onExhausted: '{onExhausted}' is not one of {string.Join(", ", ExhaustedPolicies.All)}");
            }

            steps[step] = new StepPolicy(timeout, attempts, onExhausted);
        }

        var approval = ReadApproval(definition.Approval, file, errors);

        if (errors.Count > 0)
        {
            throw new WorkflowConfigurationException(
                $"Workflow '{workflow}' in '{origin}' is invalid:{Environment.NewLine}  - {string.Join($"{Environment.NewLine}  - ", errors)}");
        }

        return new IncidentWorkflow
        {
            Name = workflow,
            ShortCircuitSeverities = severities.ToHashSet(),
            MinimumConfidence = minimumConfidence,
            Steps = steps,
            Approval = approval,
        };
    }

    /// <summary>
    /// The policy of the deliberation the workflow's <c>approval:</c> names (null when the key is absent: no gate). It must
    /// be a valid deliberation of the same file, and able to decide <see cref="RemediationApproval.Approve"/>.
    /// </summary>
    private static DeliberationPolicy? ReadApproval(string? kind, WorkflowFile file, List<string> errors)
    {
        if (kind is null)
        {
            return null;
        }

        var deliberations = file.Deliberations ?? [];
        if (!deliberations.TryGetValue(kind, out var definition))
        {
            var known = deliberations.Keys.Order(StringComparer.Ordinal).ToList();
            errors.Add($"approval: '{kind}' is not a deliberation of the file's deliberations: section "
                + $"(it has: {(known.Count == 0 ? "none" : string.Join(", ", known))})");
            return null;
        }

        var deliberationErrors = new List<string>();
        var policy = ReadDeliberation(kind, definition, deliberationErrors);
        if (policy is null)
        {
            errors.Add($"approval: the deliberation '{kind}' is invalid: {string.Join("; ", deliberationErrors)}");
            return null;
        }

        if (policy.Decisions.Count > 0 && !policy.Decisions.Contains(RemediationApproval.Approve))
        {
            errors.Add($"approval: the deliberation '{kind}' cannot decide '{RemediationApproval.Approve}' (its decisions: "
                + $"{string.Join(", ", policy.Decisions)}), so remediation could never be approved");
            return null;
        }

        return policy;
    }

    /// <summary>The deliberation policies of the file's <c>deliberations:</c> section (none when the section is absent).</summary>
    public static DeliberationPolicies LoadDeliberationsFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new WorkflowConfigurationException($"Workflow file '{path}' does not exist.");
        }

        return ParseDeliberations(File.ReadAllText(path), path);
    }

    /// <summary>
    /// Reads and validates every deliberation policy. Left out: <c>threshold</c> is the smallest majority of the
    /// participants, <c>maxRounds</c> is <see cref="DefaultMaxRounds"/>, <c>roundTimeout</c> is
    /// <see cref="DefaultRoundTimeout"/>, and any decision is accepted.
    /// </summary>
    public static DeliberationPolicies ParseDeliberations(string yaml, string origin)
    {
        var file = Read(yaml, origin);
        var errors = new List<string>();
        var policies = new Dictionary<string, DeliberationPolicy>(StringComparer.Ordinal);
        foreach (var (kind, definition) in file.Deliberations ?? [])
        {
            if (ReadDeliberation(kind, definition, errors) is { } policy)
            {
                policies[kind] = policy;
            }
        }

        if (errors.Count > 0)
        {
            throw new WorkflowConfigurationException(
                $"Deliberations in '{origin}' are invalid:{Environment.NewLine}  - {string.Join($"{Environment.NewLine}  - ", errors)}");
        }

        return new DeliberationPolicies(policies);
    }

    public const int DefaultMaxRounds = 3;

    public const int MaxMaxRounds = 20;

    public static readonly TimeSpan DefaultRoundTimeout = TimeSpan.FromSeconds(30);

    private static DeliberationPolicy? ReadDeliberation(string kind, WorkflowFile.DeliberationDefinition? definition, List<string> errors)
    {
        var at = $"deliberations.{kind}";
        var before = errors.Count;
        if (!IsName(kind))
        {
            errors.Add($"{at}: '{kind}' is not a lower-case kebab-case name such as claim-adjudication");
        }

        var participants = definition?.Participants ?? [];
        if (participants.Count == 0)
        {
            errors.Add($"{at}.participants: at least one participant is required");
        }

        foreach (var participant in participants)
        {
            if (!IsName(participant))
            {
                errors.Add($"{at}.participants: '{participant}' is not a lower-case kebab-case name (it names the participant's queue)");
            }
            else if (AgentQueues.SystemEndpoints.Contains(participant))
            {
                errors.Add($"{at}.participants: '{participant}' is a queue of the system's own; a participant needs a queue of its own");
            }
        }

        foreach (var duplicate in participants.GroupBy(p => p, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"{at}.participants: '{duplicate.Key}' is listed {duplicate.Count()} times");
        }

        var count = participants.Count;
        var majority = count / 2 + 1;
        var threshold = definition?.Threshold ?? majority;
        if (count > 0 && (threshold < 1 || threshold > count))
        {
            errors.Add($"{at}.threshold: {threshold} is not between 1 and {count} (the number of participants)");
        }
        else if (count > 0 && threshold < majority)
        {
            errors.Add($"{at}.threshold: {threshold} of {count} is not a majority, so two different decisions could both reach it; use at least {majority}");
        }

        var maxRounds = definition?.MaxRounds ?? DefaultMaxRounds;
        if (maxRounds is < 1 or > MaxMaxRounds)
        {
            errors.Add($"{at}.maxRounds: {maxRounds} is not between 1 and {MaxMaxRounds}");
        }

        var roundTimeout = DefaultRoundTimeout;
        if (definition?.RoundTimeout is { } timeoutText
            && (!Durations.TryParse(timeoutText, out roundTimeout) || roundTimeout <= TimeSpan.Zero))
        {
            errors.Add($"{at}.roundTimeout: '{timeoutText}' is not a positive duration such as 500ms, 30s or 2m");
        }

        var decisions = (definition?.Decisions ?? []).Select(d => d?.Trim().ToLowerInvariant() ?? "").ToList();
        if (decisions.Any(string.IsNullOrEmpty))
        {
            errors.Add($"{at}.decisions: a decision is empty");
        }
        else if (decisions.Count == 1)
        {
            errors.Add($"{at}.decisions: '{decisions[0]}' alone leaves nothing to decide; list at least two decisions or leave decisions out");
        }

        if (decisions.Contains(Stance.Undecided))
        {
            errors.Add($"{at}.decisions: '{Stance.Undecided}' is the stance of a participant that cannot decide yet; it is always "
                + "accepted and never wins, so it cannot be a decision");
        }

        foreach (var duplicate in decisions.Where(d => d.Length > 0).GroupBy(d => d).Where(g => g.Count() > 1))
        {
            errors.Add($"{at}.decisions: '{duplicate.Key}' is listed {duplicate.Count()} times");
        }

        return errors.Count > before
            ? null
            : new DeliberationPolicy
            {
                Kind = kind,
                Participants = participants,
                Threshold = threshold,
                MaxRounds = maxRounds,
                RoundTimeout = roundTimeout,
                Decisions = decisions,
            };
    }

    private static bool IsName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Split('-').All(part => part.Length > 0 && part.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')));

    private static WorkflowFile Read(string yaml, string origin)
    {
        try
        {
            return new DeserializerBuilder()
                .WithNamingConvention(CamelCaseNamingConvention.Instance)
                .Build()
                .Deserialize<WorkflowFile?>(yaml) ?? new WorkflowFile();
        }
        catch (YamlException ex)
        {
            throw new WorkflowConfigurationException(
                $"Workflow file '{origin}' is not valid (line {ex.Start.Line}, column {ex.Start.Column}): {Innermost(ex).Message}");
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;
}
