using System.Diagnostics;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.Contracts.Steps;
using Agents.Orchestrator.Workflows;
using MassTransit;
using Outcomes = Agents.Hosting.AgentsTelemetry.Outcomes;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// Workflows as configuration: the workflow each incident runs (chosen when it opens, kept with it), the order of its
/// steps with their <c>when:</c> conditions, and plug-in steps, whose agents get the generic <see cref="RunIncidentStep"/>
/// and answer <see cref="IncidentStepCompleted"/> or <see cref="IncidentStepFailed"/>: the result becomes the step's own
/// segment, under the same timeouts, attempts, history and rollback as the built-in ones.
/// </summary>
public sealed partial class IncidentStateMachine
{
    /// <summary>The span tags naming the incident's workflow, the rule that chose it and the file's version.</summary>
    public const string WorkflowTag = "agents.workflow";
    public const string WorkflowRuleTag = "agents.workflow.rule";
    public const string WorkflowVersionTag = "agents.workflow.version";

    /// <summary>The incident's own workflow; an incident from before workflows were configurable runs the default one in force.</summary>
    private IncidentWorkflow WorkflowOf(IncidentState incident) =>
        incident.Workflow ?? _workflows.Current.Workflows[_workflows.Current.DefaultWorkflow];

    /// <summary>Chooses the new incident's workflow by the routing rules and keeps a copy of it with the incident.</summary>
    private void ChooseWorkflow(IncidentState incident)
    {
        var set = _workflows.Current;
        var (workflow, rule) = set.Route(Facts(incident));
        incident.Workflow = workflow;
        incident.WorkflowName = workflow.Name;
        incident.WorkflowRule = rule;
        incident.WorkflowVersion = set.Version;
        Activity.Current?.SetTag(WorkflowTag, workflow.Name);
        Activity.Current?.SetTag(WorkflowRuleTag, rule);
        Activity.Current?.SetTag(WorkflowVersionTag, set.Version);
        Record(incident, IncidentSteps.Intake, 1, "workflow chosen",
            $"{workflow.Name} ({string.Join(" → ", workflow.Sequence.Select(s => s.Name))}) by rule {rule}, workflow file version {set.Version}");
    }

    /// <summary>What routing rules and <c>when:</c> conditions see of the incident: triage's severity once it ran, the alert's before.</summary>
    private IncidentFacts Facts(IncidentState incident)
    {
        var alert = incident.Alert;
        var entry = _catalog?.Match(alert)?.Entry;
        return new IncidentFacts
        {
            Severity = incident.Triage?.Severity ?? alert.Severity,
            Source = alert.Source,
            Format = alert.Format,
            Service = incident.Triage?.Service ?? alert.Service,
            Labels = alert.Labels,
            Team = entry?.Team,
            Tier = entry?.IsDefault == false ? entry.Tier : null,
            Environment = entry?.Environment,
        };
    }

    /// <summary>
    /// Runs the next step of the incident's workflow after <paramref name="after"/>: a step whose <c>when:</c> does not
    /// hold is skipped (and the timeline says so); reaching notification ends the work (<see cref="EndOfWork"/>).
    /// </summary>
    private Task Advance(BehaviorContext<IncidentState> ctx, string after)
    {
        var incident = ctx.Saga;
        foreach (var step in WorkflowOf(incident).After(after))
        {
            if (step.Name == IncidentSteps.Notification)
            {
                return EndOfWork(ctx);
            }

            if (step.When is { } when && !when.Matches(Facts(incident)))
            {
                Record(incident, step.Name, 0, "step skipped", $"when: {when} does not hold");
                continue;
            }

            return step.Name == IncidentSteps.Remediation ? StartRemediation(ctx) : StartStep(ctx, step.Name, 1, null);
        }

        return EndOfWork(ctx);
    }

    /// <summary>
    /// The workflow's work is done: after a remediation the incident is resolved and the team told; a workflow without
    /// one (notify-only) hands the incident, with what was gathered, to a human.
    /// </summary>
    private Task EndOfWork(BehaviorContext<IncidentState> ctx)
    {
        var incident = ctx.Saga;
        if (incident.Remediation is not null)
        {
            incident.PendingOutcome = IncidentStatuses.Resolved;
            return StartNotification(ctx, Contracts.Notification.NotificationKinds.Resolution, 1);
        }

        return Escalate(ctx, $"the {WorkflowOf(incident).Name} workflow hands the incident to a human after {incident.CurrentStep} (it has no remediation step)");
    }

    /// <summary>Binds a plug-in step's reply: counted, then routed when it is the awaited step and attempt, else recorded and ignored.</summary>
    private void PluginStep<T>(Event<T> reply, Func<T, string> step, Func<T, int> attempt, Func<BehaviorContext<IncidentState, T>, Task> route)
        where T : class =>
        DuringAny(
            When(reply)
                .Then(ctx => CountTokens(ctx, step(ctx.Message), attempt(ctx.Message)))
                .IfElse(ctx => IsPlugin(ctx.Saga, step(ctx.Message)) && IsAwaited(ctx.Saga, step(ctx.Message), attempt(ctx.Message)),
                awaited => Route(awaited, route),
                stale => stale.Then(ctx => RecordIgnored(ctx, step(ctx.Message), attempt(ctx.Message), typeof(T).Name))));

    private bool IsPlugin(IncidentState incident, string step) => WorkflowOf(incident).Find(step) is { IsBuiltIn: false };

    private Task OnPluginCompleted(BehaviorContext<IncidentState, IncidentStepCompleted> ctx)
    {
        var result = ctx.Message.Result;
        if (result.ValueKind != JsonValueKind.Object)
        {
            return StepFailed(ctx, $"the step's result must be a JSON object, not {result.ValueKind.ToString().ToLowerInvariant()}", Outcomes.Invalid);
        }

        var size = JsonSerializer.SerializeToUtf8Bytes(result).Length;
        if (size > StepLimits.MaxResultBytes)
        {
            return StepFailed(ctx, $"the step's result is {size} bytes of JSON, more than the {StepLimits.MaxResultBytes} allowed", Outcomes.Invalid);
        }

        StepSucceeded(ctx);
        var step = ctx.Message.Step;
        ctx.Saga.StepResults = new Dictionary<string, JsonElement>(ctx.Saga.StepResults) { [step] = result.Clone() };
        Written(ctx.Saga, step, result, ctx.Message.Attempt, $"{step} segment written", Bounded(result.GetRawText(), 300));
        return Advance(ctx, step);
    }

    /// <summary>The plug-in step's command: the incident's segments so far as JSON, the step's settings, the attempt.</summary>
    private static RunIncidentStep PluginCommand(IncidentState incident, IncidentWorkflow workflow, string? previousFailure)
    {
        var step = workflow.Find(incident.CurrentStep)!;
        return new RunIncidentStep
        {
            IncidentId = incident.CorrelationId,
            Attempt = incident.StepAttempt,
            Step = step.Name,
            Workflow = workflow.Name,
            Settings = step.Settings ?? EmptyObject,
            Incident = JsonSerializer.SerializeToElement(new
            {
                incidentId = incident.CorrelationId,
                status = incident.CurrentState,
                workflow = workflow.Name,
                alert = incident.Alert,
                triage = incident.Triage,
                context = incident.Context,
                hypothesis = incident.Hypothesis,
                remediation = incident.Remediation,
                steps = incident.StepResults,
            }, RevisionJson),
            PreviousFailure = previousFailure,
        };
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private static string Bounded(string text, int max = StepLimits.MaxReasonLength)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= max ? line : string.Concat(line.AsSpan(0, max), "…");
    }
}
