using Agents.Contracts.Alerts;

namespace Agents.Orchestrator.Intake;

/// <summary>One alert read from an incoming message, with its status at the source in lower case
/// (<see cref="AlertStatuses.Firing"/>, <see cref="AlertStatuses.Resolved"/>, <c>acknowledged</c>, ...).</summary>
public sealed record ParsedAlert(AlertPayload Alert, string Status);
