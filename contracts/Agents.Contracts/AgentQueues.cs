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

    /// <summary>Durable topic exchange producers publish raw alert JSON to (any routing key).</summary>
    public const string AlertsExchange = "alerts";

    /// <summary>Durable topic exchange CI/CD pipelines publish raw deploy-event JSON to.</summary>
    public const string DeploysExchange = "deploys";

    /// <summary>Every receive endpoint of the system: the queues whose <c>_error</c> queues the dead-letter API works on.</summary>
    public static IReadOnlyList<string> ReceiveEndpoints { get; } =
        [Triage, Context, Investigation, Remediation, Notification, Orchestrator, Deliberation, AlertIntake, DeployEvents, Scheduler];

    public static Uri Address(string queue) => new($"queue:{queue}");
}
