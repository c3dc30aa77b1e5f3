using Agents.Hosting;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// An alert message that matches no accepted format or breaks one. Never retried: the message goes to the
/// intake error queue and this exception's message (kept short enough for a header) is the reason shown there.
/// </summary>
public sealed class AlertFormatException : PermanentMessageException
{
    /// <summary>Longest reason kept; anything longer is cut and ends with an ellipsis.</summary>
    public const int MaxMessageLength = 480;

    public AlertFormatException(string message)
        : base(AlertText.Limit(message, MaxMessageLength))
    {
    }
}
