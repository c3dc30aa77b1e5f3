namespace Agents.Notification.Channels;

/// <summary>
/// A delivery whose request went out but whose outcome is unknown (no answer came, or an answer that does not say: a 5xx,
/// a timeout, a connection broken after the request was written): the provider may have acted on it. The dispatcher
/// keeps such a delivery claimed in the ledger instead of marking it failed, so that on a channel that is not idempotent
/// no later attempt sends it again; it is reported unconfirmed. A request that certainly never left, or that the provider
/// refused, is an ordinary failure instead. The message names the channel and the kind of failure, never a URL or a
/// secret.
/// </summary>
public sealed class DeliveryUncertainException(string message, Exception? inner = null) : Exception(message, inner);
