using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Agents.Contracts;
using Agents.Contracts.Deliberation;
using Agents.Contracts.Incidents;
using Agents.Hosting;
using YamlDotNet.RepresentationModel;

namespace Agents.Orchestrator.Workflows;

/// <summary>
/// Reads and validates the workflow YAML (<c>deploy/workflows.yaml</c> documents the format); every problem found is
/// reported at once, each with its line, column and path in the file, in one <see cref="WorkflowConfigurationException"/>.
/// </summary>
public static class WorkflowLoader
{
    /// <summary>The <c>approval:</c> of a workflow whose remediation waits for an operator's decision.</summary>
    public const string HumanApproval = "human";

    /// <summary>The largest <c>settings:</c> of a plug-in step, as JSON.</summary>
    public const int MaxSettingsBytes = 16 * 1024;

    /// <summary>A plug-in step's policy where its file leaves it out.</summary>
    public static StepPolicy PluginStepDefault { get; } = new(TimeSpan.FromSeconds(30), 2);

    public const int DefaultMaxRounds = 3;

    public const int MaxMaxRounds = 20;

    public static readonly TimeSpan DefaultRoundTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] RoutingKeys = ["rules", "default"];
    private static readonly string[] RuleKeys = ["name", "match", "workflow"];
    private static readonly string[] WorkflowKeys = ["shortCircuitSeverities", "minimumConfidence", "approval", "approvalTimeout", "steps"];
    private static readonly string[] StepKeys = ["timeout", "attempts", "onExhausted", "agent", "settings", "when"];
    private static readonly string[] DeliberationKeys = ["participants", "threshold", "maxRounds", "roundTimeout", "decisions"];
    private static readonly string[] ReservedStepNames = [IncidentSteps.Approval, IncidentSteps.Intake, IncidentSteps.Operator];

    /// <summary>Reads the workflow file at <paramref name="path"/> (see <see cref="ParseSet"/>).</summary>
    public static WorkflowSet LoadSet(string path) => ParseSet(ReadFile(path), path);

    /// <summary>
    /// Reads and validates the whole workflow file: its workflows (each step in file order), its routing rules and
    /// default workflow, and its deliberations (an <c>approval:</c> uses them). <see cref="WorkflowSet.Version"/> is
    /// the first 12 hex digits of the SHA-256 of <paramref name="yaml"/>.
    /// </summary>
    public static WorkflowSet ParseSet(string yaml, string origin)
    {
        var errors = new WorkflowYamlErrors();
        var file = WorkflowFile.Read(yaml, origin, errors);
        var deliberations = ReadDeliberations(file.Root, errors);
        var declared = new List<string>();
        var workflows = new Dictionary<string, IncidentWorkflow>(StringComparer.Ordinal);
        YamlNode? workflowsNode = null;
        if (file.Root is { } root)
        {
            workflowsNode = root.Value("workflows");
            if (workflowsNode is null || WorkflowYamlSection.IsNullNode(workflowsNode))
            {
                errors.Add(root.KeyPlace("workflows"), "workflows", "required: at least one workflow");
            }
            else if (workflowsNode is not YamlMappingNode mapping)
            {
                errors.Add(workflowsNode, "workflows", $"expected a mapping of workflows by name; found {WorkflowYamlSection.Describe(workflowsNode)}");
            }
            else
            {
                if (mapping.Children.Count == 0)
                {
                    errors.Add(mapping, "workflows", "no workflows: at least one is required");
                }

                foreach (var ((name, keyNode), value) in WorkflowYamlSection.Entries(errors, mapping, "workflows"))
                {
                    declared.Add(name);
                    if (ReadWorkflow(errors, name, keyNode, value, deliberations) is { } workflow)
                    {
                        workflows[name] = workflow;
                    }
                }
            }
        }

        var (routes, defaultWorkflow) = ReadRouting(errors, file.Root, workflowsNode, declared);
        if (errors.Count > 0)
        {
            throw errors.Exception($"Workflow file '{origin}' is invalid");
        }

        if (file.Root is null)
        {
            throw new WorkflowConfigurationException($"Workflow file '{origin}' is empty: it needs a workflows: section.");
        }

        return new WorkflowSet
        {
            Workflows = workflows,
            Routes = routes,
            DefaultWorkflow = defaultWorkflow!,
            Version = Version(yaml),
        };
    }

    /// <summary>The version of a workflow file's text: the first 12 lower-case hex digits of its SHA-256 (UTF-8).</summary>
    public static string Version(string yaml) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)))[..12];

    /// <summary>The workflow named <paramref name="workflow"/> of the file at <paramref name="path"/>; the whole file must be valid.</summary>
    public static IncidentWorkflow LoadFile(string path, string workflow) => Parse(ReadFile(path), workflow, path);

    /// <summary>The workflow named <paramref name="workflow"/> of the file (see <see cref="ParseSet"/>); the whole file must be valid.</summary>
    public static IncidentWorkflow Parse(string yaml, string workflow, string origin)
    {
        var set = ParseSet(yaml, origin);
        return set.Workflows.TryGetValue(workflow, out var found)
            ? found
            : throw new WorkflowConfigurationException(
                $"Workflow file '{origin}' has no workflow '{workflow}' (it has: {string.Join(", ", set.Workflows.Keys)}).");
    }

    /// <summary>The deliberation policies of the file's <c>deliberations:</c> section (none when the section is absent).</summary>
    public static DeliberationPolicies LoadDeliberationsFile(string path) => ParseDeliberations(ReadFile(path), path);

    /// <summary>
    /// Reads and validates every deliberation policy (and only those: the workflows are <see cref="ParseSet"/>'s). Left
    /// out: <c>threshold</c> is the smallest majority of the participants, <c>maxRounds</c> is
    /// <see cref="DefaultMaxRounds"/>, <c>roundTimeout</c> is <see cref="DefaultRoundTimeout"/>, and any decision is accepted.
    /// </summary>
    public static DeliberationPolicies ParseDeliberations(string yaml, string origin)
    {
        var errors = new WorkflowYamlErrors();
        var file = WorkflowFile.Read(yaml, origin, errors);
        var deliberations = ReadDeliberations(file.Root, errors);
        if (errors.Count > 0)
        {
            throw errors.Exception($"Deliberations in '{origin}' are invalid");
        }

        return new DeliberationPolicies(deliberations.Where(d => d.Value.Policy is not null).ToDictionary(d => d.Key, d => d.Value.Policy!, StringComparer.Ordinal));
    }

    private static string ReadFile(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new WorkflowConfigurationException($"Workflow file '{path}' does not exist.");

    private static IncidentWorkflow? ReadWorkflow(
        WorkflowYamlErrors errors, string name, YamlNode keyNode, YamlNode node, IReadOnlyDictionary<string, Deliberation> deliberations)
    {
        var at = $"workflows.{name}";
        var before = errors.Count;
        if (!IsName(name))
        {
            errors.Add(keyNode, at, $"'{name}' is not a lower-case kebab-case name such as incident-response");
        }

        var section = WorkflowYamlSection.IsNullNode(node) ? null : WorkflowYamlSection.Read(errors, node, at, WorkflowKeys);
        if (section is null && !WorkflowYamlSection.IsNullNode(node))
        {
            return null;
        }

        var severities = new List<string>();
        foreach (var (severity, severityNode) in section?.Strings("shortCircuitSeverities", scalarAllowed: true) ?? [])
        {
            if (Severities.IsKnown(severity))
            {
                severities.Add(severity);
            }
            else
            {
                errors.Add(severityNode, $"{at}.shortCircuitSeverities", $"'{severity}' is not one of {string.Join(", ", Severities.All)}");
            }
        }

        var minimumConfidence = section?.Double("minimumConfidence") ?? IncidentWorkflow.Default.MinimumConfidence;
        if (minimumConfidence is < 0 or > 1)
        {
            errors.Add(section!.Place("minimumConfidence"), $"{at}.minimumConfidence",
                $"{minimumConfidence.ToString(CultureInfo.InvariantCulture)} is not between 0 and 1");
        }

        var (sequence, steps, names) = ReadSteps(errors, section, at);
        DeliberationPolicy? approval = null;
        TimeSpan? humanTimeout = null;
        var approvalName = section?.String("approval");
        if (approvalName == HumanApproval)
        {
            humanTimeout = IncidentWorkflow.DefaultHumanApprovalTimeout;
            if (section!.String("approvalTimeout") is { } text)
            {
                humanTimeout = Positive(errors, section.Place("approvalTimeout"), $"{at}.approvalTimeout", text) ?? humanTimeout;
            }
        }
        else if (approvalName is not null)
        {
            approval = ReadApproval(errors, section!.Place("approval"), $"{at}.approval", approvalName, deliberations);
        }

        if (approvalName is not null && names is not null && !names.Contains(IncidentSteps.Remediation))
        {
            errors.Add(section!.Place("approval"), $"{at}.approval",
                "the approval gate is before remediation, which this workflow does not have; add remediation or leave approval out");
        }

        if (section is not null && section.Has("approvalTimeout") && approvalName != HumanApproval)
        {
            errors.Add(section.KeyPlace("approvalTimeout"), $"{at}.approvalTimeout",
                $"only with approval: {HumanApproval} (a deliberation's gate waits maxRounds x roundTimeout)");
        }

        return errors.Count > before || sequence is null
            ? null
            : new IncidentWorkflow
            {
                Name = name,
                Sequence = sequence,
                ShortCircuitSeverities = severities.ToHashSet(),
                MinimumConfidence = minimumConfidence,
                Steps = steps,
                Approval = approval,
                HumanApprovalTimeout = humanTimeout,
            };
    }

    /// <summary>
    /// The workflow's steps in file order with their policies (a step with a problem left out), and the names of all the
    /// steps listed; the five built-in steps when <c>steps:</c> is left out.
    /// </summary>
    private static (List<WorkflowStep>? Sequence, Dictionary<string, StepPolicy> Policies, List<string>? Names) ReadSteps(
        WorkflowYamlErrors errors, WorkflowYamlSection? workflow, string workflowPath)
    {
        var policies = new Dictionary<string, StepPolicy>(StringComparer.Ordinal);
        var nodes = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (workflow?.Given("steps") is not { } stepsNode)
        {
            foreach (var step in IncidentSteps.Agents)
            {
                policies[step] = IncidentWorkflow.Default.Step(step);
            }

            return ([.. IncidentWorkflow.DefaultSequence], policies, [.. IncidentSteps.Agents]);
        }

        var at = $"{workflowPath}.steps";
        if (stepsNode is not YamlMappingNode mapping)
        {
            errors.Add(stepsNode, at, $"expected a mapping of steps in the order they run; found {WorkflowYamlSection.Describe(stepsNode)}");
            return (null, policies, null);
        }

        var sequence = new List<WorkflowStep>();
        foreach (var ((name, keyNode), value) in WorkflowYamlSection.Entries(errors, mapping, at))
        {
            nodes[name] = keyNode;
            if (ReadStep(errors, name, keyNode, value, $"{at}.{name}") is { } step)
            {
                sequence.Add(step.Step);
                policies[name] = step.Policy;
            }
        }

        var names = nodes.Keys.ToList();
        YamlNode Place(string step) => nodes.GetValueOrDefault(step) ?? mapping;
        string PathOf(string step) => nodes.ContainsKey(step) ? $"{at}.{step}" : at;
        if (names.IndexOf(IncidentSteps.Triage) != 0)
        {
            errors.Add(Place(IncidentSteps.Triage), PathOf(IncidentSteps.Triage),
                names.Contains(IncidentSteps.Triage) ? "triage must be the first step" : "triage is missing: it must be the first step");
        }

        if (!names.Contains(IncidentSteps.Notification))
        {
            errors.Add(mapping, at, "notification is missing: it must be the last step");
        }
        else if (names[^1] != IncidentSteps.Notification)
        {
            errors.Add(Place(IncidentSteps.Notification), PathOf(IncidentSteps.Notification), "notification must be the last step");
        }

        if (names.IndexOf(IncidentSteps.Investigation) is var investigation and >= 0
            && names.IndexOf(IncidentSteps.Context) is var context && (context < 0 || context > investigation))
        {
            errors.Add(Place(IncidentSteps.Investigation), PathOf(IncidentSteps.Investigation),
                "investigation needs context before it (the investigator works from the gathered context)");
        }

        if (names.IndexOf(IncidentSteps.Remediation) is var remediation and >= 0
            && (names.IndexOf(IncidentSteps.Investigation) is var found && (found < 0 || found > remediation)))
        {
            errors.Add(Place(IncidentSteps.Remediation), PathOf(IncidentSteps.Remediation),
                "remediation needs investigation before it (it acts on the investigation's hypothesis)");
        }

        return (sequence, policies, names);
    }

    private static (WorkflowStep Step, StepPolicy Policy)? ReadStep(WorkflowYamlErrors errors, string name, YamlNode keyNode, YamlNode node, string at)
    {
        var before = errors.Count;
        var builtIn = IncidentSteps.Agents.Contains(name);
        var nameValid = true;
        if (!builtIn && !IncidentSegments.IsPluginStepName(name))
        {
            errors.Add(keyNode, at, $"'{name}' is not a lower-case kebab-case name of at most {IncidentSegments.MaxPluginStepNameLength} characters such as change-freeze (a plug-in step's name)");
            nameValid = false;
        }
        else if (ReservedStepNames.Contains(name))
        {
            errors.Add(keyNode, at, $"'{name}' is a name of the orchestrator's own; a plug-in step needs another name");
            nameValid = false;
        }

        var section = WorkflowYamlSection.IsNullNode(node) ? null : WorkflowYamlSection.Read(errors, node, at, StepKeys);
        if (section is null && !WorkflowYamlSection.IsNullNode(node))
        {
            return null;
        }

        var fallback = builtIn ? IncidentWorkflow.Default.Step(name) : PluginStepDefault;
        var timeout = fallback.Timeout;
        if (section?.String("timeout") is { } timeoutText)
        {
            timeout = Positive(errors, section.Place("timeout"), $"{at}.timeout", timeoutText) ?? timeout;
        }

        var attempts = section?.Int("attempts") ?? fallback.Attempts;
        if (attempts is < 1 or > 10)
        {
            errors.Add(section!.Place("attempts"), $"{at}.attempts", $"{attempts} is not between 1 and 10");
        }
        else if (name == IncidentSteps.Remediation && attempts != 1)
        {
            errors.Add(section!.Place("attempts"), $"{at}.attempts",
                $"{attempts}: remediation is never retried blindly, it must be 1 (a failure escalates)");
        }

        var onExhausted = section?.String("onExhausted") ?? fallback.OnExhausted;
        if (!ExhaustedPolicies.All.Contains(onExhausted))
        {
            errors.Add(section!.Place("onExhausted"), $"{at}.onExhausted", $"'{onExhausted}' is not one of {string.Join(", ", ExhaustedPolicies.All)}");
        }

        string? agent = null;
        System.Text.Json.JsonElement? settings = null;
        IncidentMatch? when = null;
        if (builtIn)
        {
            foreach (var key in new[] { "agent", "settings" }.Where(k => section?.Has(k) == true))
            {
                errors.Add(section!.KeyPlace(key), $"{at}.{key}", $"only a plug-in step has {key}: (a built-in step's agent and input are fixed)");
            }

            if (section?.Has("when") == true)
            {
                errors.Add(section.KeyPlace("when"), $"{at}.when", "built-in steps always run; choose by a routing rule instead");
            }
        }
        else
        {
            agent = section?.String("agent");
            if (agent is not null)
            {
                CheckAgent(errors, section!.Place("agent"), $"{at}.agent", agent);
            }
            else if (nameValid)
            {
                CheckAgent(errors, keyNode, $"{at}.agent", name);
            }

            agent ??= name;
            if (section?.Given("settings") is { } settingsNode)
            {
                settings = WorkflowYamlJson.Object(errors, settingsNode, $"{at}.settings", MaxSettingsBytes);
            }

            if (section?.Has("when") == true)
            {
                when = WorkflowYamlMatch.Read(errors, section.Place("when"), $"{at}.when",
                    "an empty when: always holds; leave when: out for a step that always runs");
            }
        }

        return errors.Count > before
            ? null
            : (new WorkflowStep { Name = name, Agent = agent, Settings = settings, When = when }, new StepPolicy(timeout, attempts, onExhausted));
    }

    private static void CheckAgent(WorkflowYamlErrors errors, YamlNode node, string at, string agent)
    {
        if (!IsName(agent))
        {
            errors.Add(node, at, $"'{agent}' is not a lower-case kebab-case name (it names the step's queue)");
        }
        else if (AgentQueues.SystemEndpoints.Contains(agent))
        {
            errors.Add(node, at, $"'{agent}' is a queue of the system's own; a plug-in step's agent needs a queue of its own");
        }
    }

    private static TimeSpan? Positive(WorkflowYamlErrors errors, YamlNode node, string at, string text)
    {
        if (Durations.TryParse(text, out var duration) && duration > TimeSpan.Zero)
        {
            return duration;
        }

        errors.Add(node, at, $"'{text}' is not a positive duration such as 500ms, 30s or 2m");
        return null;
    }

    /// <summary>The routing rules in file order and the default workflow (null when there is none: reported).</summary>
    private static (List<WorkflowRoute> Routes, string? Default) ReadRouting(
        WorkflowYamlErrors errors, WorkflowYamlSection? root, YamlNode? workflowsNode, List<string> declared)
    {
        var routes = new List<WorkflowRoute>();
        if (root is null)
        {
            return (routes, null);
        }

        if (root.Given("routing") is not { } routingNode)
        {
            if (declared.Contains(IncidentWorkflow.Default.Name))
            {
                return (routes, IncidentWorkflow.Default.Name);
            }

            if (declared.Count == 1)
            {
                return (routes, declared[0]);
            }

            if (declared.Count > 1)
            {
                errors.Add(workflowsNode ?? root.Node, "workflows",
                    $"several workflows and none named {IncidentWorkflow.Default.Name}: add routing.default naming the workflow of an incident no rule matches");
            }

            return (routes, null);
        }

        if (WorkflowYamlSection.Read(errors, routingNode, "routing", RoutingKeys) is not { } routing)
        {
            return (routes, null);
        }

        var names = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (routing.Given("rules") is { } rulesNode && rulesNode is not YamlSequenceNode)
        {
            errors.Add(rulesNode, "routing.rules", $"expected a list of rules; found {WorkflowYamlSection.Describe(rulesNode)}");
        }
        else if (routing.Given("rules") is YamlSequenceNode rules)
        {
            for (var i = 0; i < rules.Children.Count; i++)
            {
                var at = $"routing.rules[{i}]";
                if (WorkflowYamlSection.Read(errors, rules.Children[i], at, RuleKeys) is not { } rule)
                {
                    continue;
                }

                var before = errors.Count;
                var name = rule.String("name") ?? at;
                if (rule.Has("name") && names.ContainsKey(name))
                {
                    errors.Add(rule.Place("name"), rule.At("name"), $"'{name}' is the name of an earlier rule too; each rule needs its own");
                }

                names.TryAdd(name, rule.Place("name"));
                IncidentMatch? match = null;
                if (rule.Given("match") is { } matchNode)
                {
                    match = WorkflowYamlMatch.Read(errors, matchNode, rule.At("match"),
                        "an empty match always holds; use routing.default for the incidents no rule matches");
                }
                else
                {
                    errors.Add(rule.Place("match"), rule.At("match"), "required: the conditions of the rule (use routing.default for the incidents no rule matches)");
                }

                var workflow = rule.String("workflow");
                if (workflow is null)
                {
                    errors.Add(rule.Place("workflow"), rule.At("workflow"), "required: the workflow of the incidents the rule matches");
                }
                else
                {
                    CheckWorkflow(errors, rule.Place("workflow"), rule.At("workflow"), workflow, declared);
                }

                if (errors.Count == before && match is not null && workflow is not null)
                {
                    routes.Add(new WorkflowRoute { Name = name, Match = match, Workflow = workflow });
                }
            }
        }

        var defaultWorkflow = routing.String("default");
        if (defaultWorkflow is not null)
        {
            return CheckWorkflow(errors, routing.Place("default"), "routing.default", defaultWorkflow, declared) ? (routes, defaultWorkflow) : (routes, null);
        }

        if (declared.Count == 1)
        {
            return (routes, declared[0]);
        }

        if (declared.Count > 1)
        {
            errors.Add(routing.KeyPlace("default"), "routing.default",
                "required when the file has several workflows: the workflow of an incident no rule matches");
        }

        return (routes, null);
    }

    private static bool CheckWorkflow(WorkflowYamlErrors errors, YamlNode node, string at, string workflow, List<string> declared)
    {
        if (declared.Contains(workflow, StringComparer.Ordinal))
        {
            return true;
        }

        errors.Add(node, at, $"'{workflow}' is not a workflow of the file (it has: {(declared.Count == 0 ? "none" : string.Join(", ", declared))})");
        return false;
    }

    /// <summary>A deliberation of the file: its policy, or the problems that made it invalid.</summary>
    private sealed record Deliberation(DeliberationPolicy? Policy, IReadOnlyList<string> Problems);

    /// <summary>Every deliberation of the file's <c>deliberations:</c> section (reported where invalid), by kind.</summary>
    private static Dictionary<string, Deliberation> ReadDeliberations(WorkflowYamlSection? root, WorkflowYamlErrors errors)
    {
        var deliberations = new Dictionary<string, Deliberation>(StringComparer.Ordinal);
        if (root?.Given("deliberations") is not { } node)
        {
            return deliberations;
        }

        if (node is not YamlMappingNode mapping)
        {
            errors.Add(node, "deliberations", $"expected a mapping of deliberations by kind; found {WorkflowYamlSection.Describe(node)}");
            return deliberations;
        }

        foreach (var ((kind, keyNode), value) in WorkflowYamlSection.Entries(errors, mapping, "deliberations"))
        {
            var own = new WorkflowYamlErrors();
            var policy = ReadDeliberation(own, kind, keyNode, value);
            foreach (var problem in own.Raw)
            {
                errors.Add(problem.Node, problem.Path, problem.Message);
            }

            deliberations[kind] = new Deliberation(policy, own.WithoutPlaces());
        }

        return deliberations;
    }

    /// <summary>
    /// The policy of the deliberation the workflow's <c>approval:</c> names. It must be a valid deliberation of the
    /// same file, and able to decide <see cref="RemediationApproval.Approve"/>.
    /// </summary>
    private static DeliberationPolicy? ReadApproval(
        WorkflowYamlErrors errors, YamlNode node, string at, string kind, IReadOnlyDictionary<string, Deliberation> deliberations)
    {
        if (!deliberations.TryGetValue(kind, out var deliberation))
        {
            var known = deliberations.Keys.Order(StringComparer.Ordinal).ToList();
            errors.Add(node, at, $"'{kind}' is not a deliberation of the file's deliberations: section "
                + $"(it has: {(known.Count == 0 ? "none" : string.Join(", ", known))}); approval: {HumanApproval} waits for an operator instead");
            return null;
        }

        if (deliberation.Policy is not { } policy)
        {
            errors.Add(node, at, $"the deliberation '{kind}' is invalid: {string.Join("; ", deliberation.Problems)}");
            return null;
        }

        if (policy.Decisions.Count > 0 && !policy.Decisions.Contains(RemediationApproval.Approve))
        {
            errors.Add(node, at, $"the deliberation '{kind}' cannot decide '{RemediationApproval.Approve}' (its decisions: "
                + $"{string.Join(", ", policy.Decisions)}), so remediation could never be approved");
            return null;
        }

        return policy;
    }

    private static DeliberationPolicy? ReadDeliberation(WorkflowYamlErrors errors, string kind, YamlNode keyNode, YamlNode node)
    {
        var at = $"deliberations.{kind}";
        if (!IsName(kind))
        {
            errors.Add(keyNode, at, $"'{kind}' is not a lower-case kebab-case name such as claim-adjudication");
        }

        var section = WorkflowYamlSection.IsNullNode(node) ? null : WorkflowYamlSection.Read(errors, node, at, DeliberationKeys);
        if (section is null && !WorkflowYamlSection.IsNullNode(node))
        {
            return null;
        }

        YamlNode Place(string key) => section?.Place(key) ?? keyNode;
        var participantNodes = section?.Strings("participants") ?? [];
        var participants = participantNodes.Select(p => p.Value).ToList();
        if (participants.Count == 0)
        {
            errors.Add(Place("participants"), $"{at}.participants", "at least one participant is required");
        }

        foreach (var (participant, participantNode) in participantNodes)
        {
            if (!IsName(participant))
            {
                errors.Add(participantNode, $"{at}.participants", $"'{participant}' is not a lower-case kebab-case name (it names the participant's queue)");
            }
            else if (AgentQueues.SystemEndpoints.Contains(participant))
            {
                errors.Add(participantNode, $"{at}.participants", $"'{participant}' is a queue of the system's own; a participant needs a queue of its own");
            }
        }

        foreach (var duplicate in participantNodes.GroupBy(p => p.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            // At the second mention, where the repetition is.
            errors.Add(duplicate.ElementAt(1).Node, $"{at}.participants", $"'{duplicate.Key}' is listed {duplicate.Count()} times");
        }

        var count = participants.Count;
        var majority = count / 2 + 1;
        var threshold = section?.Int("threshold") ?? majority;
        if (count > 0 && (threshold < 1 || threshold > count))
        {
            errors.Add(Place("threshold"), $"{at}.threshold", $"{threshold} is not between 1 and {count} (the number of participants)");
        }
        else if (count > 0 && threshold < majority)
        {
            errors.Add(Place("threshold"), $"{at}.threshold",
                $"{threshold} of {count} is not a majority, so two different decisions could both reach it; use at least {majority}");
        }

        var maxRounds = section?.Int("maxRounds") ?? DefaultMaxRounds;
        if (maxRounds is < 1 or > MaxMaxRounds)
        {
            errors.Add(Place("maxRounds"), $"{at}.maxRounds", $"{maxRounds} is not between 1 and {MaxMaxRounds}");
        }

        var roundTimeout = DefaultRoundTimeout;
        if (section?.String("roundTimeout") is { } timeoutText)
        {
            roundTimeout = Positive(errors, Place("roundTimeout"), $"{at}.roundTimeout", timeoutText) ?? roundTimeout;
        }

        var decisions = (section?.Strings("decisions") ?? []).Select(d => d.Value.Trim().ToLowerInvariant()).ToList();
        if (decisions.Count == 1)
        {
            errors.Add(Place("decisions"), $"{at}.decisions", $"'{decisions[0]}' alone leaves nothing to decide; list at least two decisions or leave decisions out");
        }

        if (decisions.Contains(Stance.Undecided))
        {
            errors.Add(Place("decisions"), $"{at}.decisions", $"'{Stance.Undecided}' is the stance of a participant that cannot decide yet; it is always "
                + "accepted and never wins, so it cannot be a decision");
        }

        foreach (var duplicate in decisions.GroupBy(d => d).Where(g => g.Count() > 1))
        {
            errors.Add(Place("decisions"), $"{at}.decisions", $"'{duplicate.Key}' is listed {duplicate.Count()} times");
        }

        return errors.Count > 0
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
}
