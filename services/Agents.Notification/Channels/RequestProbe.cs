using System.Net;

namespace Agents.Notification.Channels;

/// <summary>
/// Whether a request whose answer never came may have reached the provider: set when an attempt began writing the
/// request's body to the connection and then ended without a response (a timeout, a broken connection, cancellation).
/// An attempt that never wrote its body (no connection could be made, a wait for <c>Retry-After</c> cut short, a
/// cancelled token) or that got an answer leaves it unset. Scoped to one call with <see cref="Watch"/>; the handler
/// (<see cref="Handler"/>) sits inside the client's resilience pipeline, so it sees every attempt.
/// </summary>
public sealed class RequestProbe
{
    private static readonly AsyncLocal<RequestProbe?> Current = new();

    private int _mayHaveArrived;

    /// <summary>Whether some attempt's body went out and no answer came back for it.</summary>
    public bool MayHaveArrived => Volatile.Read(ref _mayHaveArrived) == 1;

    /// <summary>Watches the requests sent through channel clients until the answer is disposed (on this async flow).</summary>
    public static (RequestProbe Probe, IDisposable Scope) Watch()
    {
        var probe = new RequestProbe();
        var previous = Current.Value;
        Current.Value = probe;
        return (probe, new Restore(previous));
    }

    private sealed class Restore(RequestProbe? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }

    /// <summary>The inner handler of a channel client: marks the watching probe when an attempt's body went out unanswered.</summary>
    public sealed class Handler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var probe = Current.Value;
            if (probe is null || request.Content is null)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            var original = request.Content;
            var watched = new WatchedContent(original);
            request.Content = watched;
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch when (watched.Started)
            {
                Interlocked.Exchange(ref probe._mayHaveArrived, 1);
                throw;
            }
            finally
            {
                request.Content = original;
            }
        }
    }

    /// <summary>The request's own content, noting when the handler begins to write it.</summary>
    private sealed class WatchedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private int _started;

        public WatchedContent(HttpContent inner)
        {
            _inner = inner;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        public bool Started => Volatile.Read(ref _started) == 1;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            Interlocked.Exchange(ref _started, 1);
            await _inner.CopyToAsync(stream, context, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            var known = _inner.Headers.ContentLength;
            length = known ?? 0;
            return known is not null;
        }
    }
}
