using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Globalization;

namespace Agents.Hosting.Llm;

/// <summary>
/// The SDK's transport retries, sorted: only what may change on retry is retried (408, 429, 5xx, a timeout or a broken
/// connection), never a refusal (400, 401, 403, 404, 422: the same request would be refused again and paid again).
/// A throttled answer's <c>retry-after-ms</c> or <c>Retry-After</c> is honoured up to <see cref="LlmOptions.MaxRetryDelay"/>;
/// and all the tries of one call, waits included, stay within <see cref="LlmOptions.Timeout"/> (the step's budget for a
/// model call): a retry that would end after it is not made, and the last answer's error is thrown.
/// </summary>
public sealed class LlmRetryPolicy(LlmOptions options) : ClientRetryPolicy(options.MaxRetries)
{
    private static readonly TimeSpan MinimumDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether a status is worth a retry: timeouts, throttling and server faults; nothing the provider refused.</summary>
    public static bool IsTransient(int status) => status is 408 or 429 or >= 500;

    protected override void OnSendingRequest(PipelineMessage message)
    {
        Started(message);
        base.OnSendingRequest(message);
    }

    protected override ValueTask OnSendingRequestAsync(PipelineMessage message)
    {
        Started(message);
        return base.OnSendingRequestAsync(message);
    }

    protected override bool ShouldRetry(PipelineMessage message, Exception? exception)
    {
        if (message.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        // The base counts the tries and retries 408, 429, 5xx and transport errors; a refusal is excluded here too, explicitly.
        var worth = base.ShouldRetry(message, exception) && (exception is not null || message.Response is not { } response || IsTransient(response.Status));
        return worth && WithinBudget(message);
    }

    protected override ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception) =>
        ValueTask.FromResult(ShouldRetry(message, exception));

    protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount) =>
        ServerDelay(message) is { } asked
            ? TimeSpan.FromTicks(Math.Clamp(asked.Ticks, MinimumDelay.Ticks, options.MaxRetryDelay.Ticks))
            : TimeSpan.FromTicks(Math.Min(base.GetNextDelay(message, tryCount).Ticks, options.MaxRetryDelay.Ticks));

    /// <summary>The wait the provider asked for: Azure's <c>retry-after-ms</c> (or <c>x-ms-retry-after-ms</c>), else <c>Retry-After</c> in seconds or as a date.</summary>
    public static TimeSpan? ServerDelay(PipelineMessage message)
    {
        if (message.Response?.Headers is not { } headers)
        {
            return null;
        }

        foreach (var name in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
        {
            if (headers.TryGetValue(name, out var value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
            {
                return TimeSpan.FromMilliseconds(ms);
            }
        }

        if (headers.TryGetValue("Retry-After", out var after))
        {
            if (double.TryParse(after, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return at - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }

    /// <summary>Notes when the call's first try starts, the start of its budget.</summary>
    private static void Started(PipelineMessage message)
    {
        if (!message.TryGetProperty(typeof(LlmRetryPolicy), out _))
        {
            message.SetProperty(typeof(LlmRetryPolicy), Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Whether the next try, after its wait, can still start within the call's budget.</summary>
    private bool WithinBudget(PipelineMessage message)
    {
        if (!message.TryGetProperty(typeof(LlmRetryPolicy), out var started) || started is not long since)
        {
            return true;
        }

        var next = ServerDelay(message) is { } asked ? TimeSpan.FromTicks(Math.Min(asked.Ticks, options.MaxRetryDelay.Ticks)) : MinimumDelay;
        return Stopwatch.GetElapsedTime(since) + next < options.Timeout;
    }
}
