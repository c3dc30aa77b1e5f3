using System.Collections.Concurrent;
using System.Diagnostics;
using Agents.Context.Sources;

namespace Agents.Context.Bench;

/// <summary>A context source as it is, with the time each of its collections took written to <see cref="SourceTimings"/>.</summary>
internal sealed class TimedSource(IContextSource inner, SourceTimings timings) : IContextSource
{
    public string Name => inner.Name;

    public TimeSpan? Timeout => inner.Timeout;

    public async Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await inner.CollectAsync(request, ct);
        }
        finally
        {
            timings.Add(inner.Name, Stopwatch.GetElapsedTime(started));
        }
    }
}

/// <summary>The milliseconds each collection of each source took, by source name.</summary>
internal sealed class SourceTimings
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<double>> _times = new(StringComparer.Ordinal);

    public void Add(string source, TimeSpan elapsed) => _times.GetOrAdd(source, _ => new()).Enqueue(elapsed.TotalMilliseconds);

    public IReadOnlyList<double> Of(string source) => _times.TryGetValue(source, out var times) ? [.. times] : [];
}

/// <summary>Counts the HTTP requests each source's named client sends (added to the client's handlers).</summary>
internal sealed class RequestCounter
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int Of(string source) => _counts.GetValueOrDefault(source);

    public DelegatingHandler Handler(string source) => new Counting(this, source);

    private sealed class Counting(RequestCounter counter, string source) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            counter._counts.AddOrUpdate(source, 1, (_, n) => n + 1);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
