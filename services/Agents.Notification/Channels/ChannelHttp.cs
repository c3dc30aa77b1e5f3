using Microsoft.Extensions.Http.Resilience;

namespace Agents.Notification.Channels;

/// <summary>
/// The HTTP client of one channel: its own connection pool and its own resilience (retries of 408, 429 and 5xx with
/// exponential back-off that waits at least what <c>Retry-After</c> asks, each attempt and the whole delivery under a
/// timeout), so that one provider down or throttling never delays another channel.
/// </summary>
public static class ChannelHttp
{
    /// <summary>How long one request may take.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long one delivery may take, retries and their waits included.</summary>
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Retries after the first request.</summary>
    public const int MaxRetries = 3;

    /// <summary>Registers the named client <paramref name="name"/> (use <c>IHttpClientFactory.CreateClient(name)</c>).</summary>
    public static IHttpClientBuilder AddChannelHttpClient(this IServiceCollection services, string name)
    {
        var builder = services.AddHttpClient(name, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddStandardResilienceHandler(options =>
        {
            options.Retry.MaxRetryAttempts = MaxRetries;
            options.Retry.Delay = TimeSpan.FromMilliseconds(500);
            options.Retry.UseJitter = true;
            options.Retry.ShouldRetryAfterHeader = true;
            options.AttemptTimeout.Timeout = AttemptTimeout;
            options.TotalRequestTimeout.Timeout = TotalTimeout;
            // The breaker's sampling window must be at least twice the attempt timeout.
            options.CircuitBreaker.SamplingDuration = AttemptTimeout * 3;
        });
        // Inside the resilience pipeline: it sees each attempt (see RequestProbe).
        builder.AddHttpMessageHandler(() => new RequestProbe.Handler());
        return builder;
    }
}
