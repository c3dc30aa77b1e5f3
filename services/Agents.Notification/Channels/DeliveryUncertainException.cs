using System.Net.Sockets;

namespace Agents.Notification.Channels;

/// <summary>
/// A delivery whose request went out but whose answer never came (a timeout, a connection broken mid-request, the
/// service stopping while it waited): the provider may have acted on it. The dispatcher keeps such a delivery claimed in
/// the ledger instead of marking it failed, so that on a channel that is not idempotent no later attempt sends it again;
/// the delivery is reported unconfirmed. The message names the channel and the kind of failure, never a URL or a secret.
/// </summary>
public sealed class DeliveryUncertainException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// Whether <paramref name="failure"/> (of a request that was being sent) leaves it unknown whether the provider got
    /// it: true for timeouts, cancellation and a connection that broke after it was made; false when the request
    /// certainly never left (no connection could be made, the name did not resolve, TLS failed, the circuit is open).
    /// </summary>
    public static bool MayHaveArrived(Exception failure) => failure switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError or HttpRequestError.ConfigurationLimitExceeded } => false,
        HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound
            or SocketError.HostUnreachable or SocketError.NetworkUnreachable } } => false,
        Polly.CircuitBreaker.BrokenCircuitException => false,
        HttpRequestException or OperationCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException or IOException => true,
        _ => false,
    };
}
