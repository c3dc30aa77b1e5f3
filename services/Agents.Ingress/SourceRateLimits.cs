using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Agents.Ingress;

/// <summary>
/// One token bucket per source (<see cref="WebhookSource.PermitsPerSecond"/>, <see cref="WebhookSource.Burst"/>),
/// taken once the request has proved which source it is: a flood from one sender gets 429 without slowing the others.
/// </summary>
public sealed class SourceRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public SourceRateLimits(IOptions<IngressOptions> options)
    {
        var sources = options.Value.Sources;
        _limiter = PartitionedRateLimiter.Create<string, string>(name =>
        {
            var source = sources[name];
            // Refilled in small steps (about ten a second, one token at least), so a limit is a rate, not a burst once a second.
            var tokens = Math.Min((int)Math.Ceiling(source.PermitsPerSecond / 10), source.Burst);
            return RateLimitPartition.GetTokenBucketLimiter(name, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = source.Burst,
                TokensPerPeriod = tokens,
                ReplenishmentPeriod = TimeSpan.FromSeconds(tokens / source.PermitsPerSecond),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
    }

    /// <summary>Takes a permit for <paramref name="source"/>; null when it may go on, else how long it should wait.</summary>
    public TimeSpan? TryTake(string source)
    {
        using var lease = _limiter.AttemptAcquire(source);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => _limiter.Dispose();
}
