namespace Agents.Hosting;

/// <summary>
/// A message that can never be processed as it is (malformed, of an unknown shape, invalid). The messaging
/// retry policy does not retry it: it goes straight to the endpoint's error queue with this message as reason.
/// </summary>
public class PermanentMessageException : Exception
{
    public PermanentMessageException(string message)
        : base(message)
    {
    }

    public PermanentMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
