using Microsoft.Extensions.Logging;

namespace Agents.Orchestrator;

internal static partial class OrchestratorLog
{
    [LoggerMessage(LogLevel.Information, "Incident {IncidentId} opened for {Fingerprint}: {Summary}")]
    public static partial void IncidentOpened(ILogger logger, Guid incidentId, string fingerprint, string summary);

    [LoggerMessage(LogLevel.Warning, "Incident {IncidentId}: {Step} attempt {Attempt} of {Attempts} failed: {Reason}")]
    public static partial void StepFailed(ILogger logger, Guid incidentId, string step, int attempt, int attempts, string reason);

    [LoggerMessage(LogLevel.Warning, "Incident {IncidentId}: the emergency page ledger is unreachable; paging once per process instead")]
    public static partial void EmergencyLedgerUnavailable(ILogger logger, Exception exception, Guid incidentId);

    [LoggerMessage(LogLevel.Information, "Incident {IncidentId}: a human was already paged for the orchestrator's failures; not paging again ({Reason})")]
    public static partial void AlreadyPaged(ILogger logger, Guid incidentId, string reason);

    [LoggerMessage(LogLevel.Error, "Incident {IncidentId} failed (step policy onExhausted: fail, nobody paged): {Reason}")]
    public static partial void IncidentFailed(ILogger logger, Guid incidentId, string reason);

    [LoggerMessage(LogLevel.Warning, "Incident {IncidentId} escalated: {Reason}")]
    public static partial void Escalating(ILogger logger, Guid incidentId, string reason);

    [LoggerMessage(LogLevel.Critical, "Incident {IncidentId} escalated but NO HUMAN COULD BE NOTIFIED: {Reason}")]
    public static partial void NotificationImpossible(ILogger logger, Guid incidentId, string reason);

    [LoggerMessage(LogLevel.Information, "Incident {IncidentId} ended {Outcome} after {Elapsed}")]
    public static partial void IncidentEnded(ILogger logger, Guid incidentId, string outcome, TimeSpan elapsed);

    [LoggerMessage(LogLevel.Information, "Incident {IncidentId}: {Detail}")]
    public static partial void Ignored(ILogger logger, Guid incidentId, string detail);

    [LoggerMessage(LogLevel.Warning, "{MessageType} for unknown incident {IncidentId} ignored")]
    public static partial void ReplyWithoutIncident(ILogger logger, string messageType, Guid incidentId);

    [LoggerMessage(LogLevel.Information, "Incident {IncidentId}: repeat {AlertId} read again (its webhook body was delivered again); counted once")]
    public static partial void RepeatReadAgain(ILogger logger, Guid incidentId, Guid alertId);

    [LoggerMessage(LogLevel.Information, "Source status '{Status}' for {Fingerprint} matches no open incident; nothing to record")]
    public static partial void StatusWithoutIncident(ILogger logger, string status, string fingerprint);

    [LoggerMessage(LogLevel.Critical, "The orchestrator failed on incident {IncidentId} while handling {MessageType}; paging a human: {Reason}")]
    public static partial void OrchestratorFault(ILogger logger, Guid incidentId, string messageType, string reason);

    [LoggerMessage(LogLevel.Error, "The orchestrator failed while handling {MessageType} with no incident id to page about: {Reason}")]
    public static partial void OrchestratorFaultWithoutIncident(ILogger logger, string messageType, string reason);

    [LoggerMessage(LogLevel.Error, "A {MessageType} (incident {IncidentId}) cannot be stored as it is and was dead-lettered without a page: {Reason}")]
    public static partial void DataFault(ILogger logger, string messageType, Guid? incidentId, string reason);

    [LoggerMessage(LogLevel.Information, "Incident store schema is up to date")]
    public static partial void StoreMigrated(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Operator command on incident {IncidentId}: {Detail}")]
    public static partial void OperatorCommand(ILogger logger, Guid incidentId, string detail);

    [LoggerMessage(LogLevel.Warning, "Incident {IncidentId} ({Previous}) is now {Status}, by {Actor}: {Note}")]
    public static partial void EndedByOperator(ILogger logger, Guid incidentId, string previous, string status, string actor, string note);

    [LoggerMessage(LogLevel.Information, "Incident {IncidentId}: close past the maximum open age ignored, {Reason}")]
    public static partial void StaleCloseIgnored(ILogger logger, Guid incidentId, string reason);

    [LoggerMessage(LogLevel.Information, "Escalated incidents open longer than {MaxOpenAge} are closed (checked every {Interval}, at most {Batch} per pass)")]
    public static partial void StaleSweepStarted(ILogger logger, string maxOpenAge, string interval, int batch);

    [LoggerMessage(LogLevel.Information, "Escalated incidents are never closed for their age (Orchestrator__EscalatedMaxOpenAge is 00:00:00)")]
    public static partial void StaleSweepOff(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Closing {Count} escalated incident(s) open longer than {MaxOpenAge}{More}")]
    public static partial void ClosingStale(ILogger logger, int count, string maxOpenAge, string more);

    [LoggerMessage(LogLevel.Error, "The sweep for escalated incidents past their maximum open age failed; retrying in {Interval}")]
    public static partial void StaleSweepFailed(ILogger logger, Exception exception, string interval);

    [LoggerMessage(LogLevel.Information, "Deliberation {DeliberationId} ({Kind}) started: {Summary}; participants {Participants}, {Threshold} must agree, at most {MaxRounds} round(s)")]
    public static partial void DeliberationStarted(ILogger logger, Guid deliberationId, string kind, string summary, string participants, int threshold, int maxRounds);

    [LoggerMessage(LogLevel.Information, "Deliberation {DeliberationId}: round {Round} ended ({How}): {Tally}")]
    public static partial void RoundEnded(ILogger logger, Guid deliberationId, int round, string how, string tally);

    [LoggerMessage(LogLevel.Information, "Deliberation {DeliberationId} ({Kind}) concluded {Outcome} in round {Round}: {Detail}")]
    public static partial void DeliberationConcluded(ILogger logger, Guid deliberationId, string kind, string outcome, int round, string detail);

    [LoggerMessage(LogLevel.Warning, "Deliberation {DeliberationId} ({Kind}) escalated to a human: {Reason}")]
    public static partial void DeliberationEscalated(ILogger logger, Guid deliberationId, string kind, string reason);

    [LoggerMessage(LogLevel.Warning, "Deliberation {DeliberationId}: the stance of {Participant} in round {Round} is malformed and counts as none: {Note}")]
    public static partial void StanceMalformed(ILogger logger, Guid deliberationId, string participant, int round, string note);

    [LoggerMessage(LogLevel.Information, "Deliberation {DeliberationId}: stance of {Participant} for round {Round} ignored: {Why}")]
    public static partial void StanceIgnored(ILogger logger, Guid deliberationId, string participant, int round, string why);

    [LoggerMessage(LogLevel.Warning, "Stance of {Participant} for round {Round} of unknown deliberation {DeliberationId} ignored")]
    public static partial void StanceWithoutDeliberation(ILogger logger, string participant, int round, Guid deliberationId);

    [LoggerMessage(LogLevel.Information, "Deliberation {DeliberationId}: timeout of round {Round} ignored (round {Current}, {State})")]
    public static partial void StaleRoundTimeout(ILogger logger, Guid deliberationId, int round, int current, string state);

    [LoggerMessage(LogLevel.Information, "Deliberation {DeliberationId}: repeated start ignored, it is {State}")]
    public static partial void DuplicateDeliberationStart(ILogger logger, Guid deliberationId, string state);

    [LoggerMessage(LogLevel.Information, "Approval deliberation {DeliberationId} ({Kind}) concluded {Outcome}, but no incident awaits it (superseded by a re-run's request)")]
    public static partial void ApprovalWithoutIncident(ILogger logger, Guid deliberationId, string kind, string outcome);
}
