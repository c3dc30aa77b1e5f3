using Agents.Hosting;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// A claim message that cannot be adjudicated as it is (not JSON, not an object, a field missing or of the wrong type).
/// Never retried: the message goes to <c>claim-intake_error</c> with this message (kept short enough for a header) as the reason.
/// </summary>
public sealed class ClaimFormatException(string message)
    : PermanentMessageException(AlertText.Limit(message, AlertFormatException.MaxMessageLength));
