namespace Agents.Contracts;

/// <summary>
/// Queue and exchange names that are part of the wire contract: the orchestrator sends each agent's command
/// to its queue, and producers publish raw JSON to the external exchanges.
/// </summary>
public static class AgentQueues
{
    public const string Triage = "triage";
    public const string Context = "context";
    public const string Investigation = "investigation";
    public const string Remediation = "remediation";
    public const string Notification = "notification";

    /// <summary>The orchestrator's saga endpoint.</summary>
    public const string Orchestrator = "incident";

    /// <summary>The orchestrator's deliberation saga endpoint (participants answer by publishing; each participant has its own queue, named after it).</summary>
    public const string Deliberation = "deliberation";

    /// <summary>The orchestrator's alert intake queue, bound to <see cref="AlertsExchange"/>.</summary>
    public const string AlertIntake = "alert-intake";

    /// <summary>The context service's queue for deploy events, bound to <see cref="DeploysExchange"/>.</summary>
    public const string DeployEvents = "deploy-events";

    /// <summary>The message scheduler (timeouts) reached through a queue.</summary>
    public const string Scheduler = "scheduler";

    /// <summary>The orchestrator's claim intake queue, bound to <see cref="ClaimsExchange"/>.</summary>
    public const string ClaimIntake = "claim-intake";

    /// <summary>Durable topic exchange producers publish raw claim JSON to (any routing key).</summary>
    public const string ClaimsExchange = "claims";

    /// <summary>Durable topic exchange producers publish raw alert JSON to (any routing key).</summary>
    public const string AlertsExchange = "alerts";

    /// <summary>Durable topic exchange CI/CD pipelines publish raw deploy-event JSON to.</summary>
    public const string DeploysExchange = "deploys";

    /// <summary>The system's own receive endpoints: no deliberation participant may be named like one of them.</summary>
    public static IReadOnlyList<string> SystemEndpoints { get; } =
        [Triage, Context, Investigation, Remediation, Notification, Orchestrator, Deliberation, AlertIntake, DeployEvents, Scheduler, ClaimIntake];

    /// <summary>
    /// Every receive endpoint of the system and of the participant services it ships: the queues whose <c>_error</c>
    /// queues the dead-letter API works on.
    /// </summary>
    public static IReadOnlyList<string> ReceiveEndpoints { get; } = [.. SystemEndpoints, .. Participants.All];

    public static Uri Address(string queue) => new($"queue:{queue}");
}
