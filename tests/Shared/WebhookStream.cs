using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Agents.Testing;

/// <summary>
/// Sends generic webhooks, each with a fingerprint of its own, to an ingress as a sender that retries would: a 503 or 429
/// (or a refused connection) is tried again after a short pause until a 202 or the deadline. Measures the time from
/// sending to each 202. Compiled into each project that needs it.
/// </summary>
internal sealed class WebhookStream(HttpClient ingress, string bearerToken)
{
    public sealed record Result(IReadOnlyList<string> Accepted, IReadOnlyList<double> LatenciesMs, int Unavailable, int Refused, TimeSpan Elapsed)
    {
        public double PerSecond => Accepted.Count / Elapsed.TotalSeconds;

        public double Percentile(double p)
        {
            if (LatenciesMs.Count == 0)
            {
                return double.NaN;
            }

            var sorted = LatenciesMs.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }

    /// <summary>
    /// Sends <paramref name="count"/> webhooks, <paramref name="concurrency"/> at a time, fingerprints
    /// <c>&lt;prefix&gt;-&lt;n&gt;</c>; <paramref name="onAccepted"/> hears the running number of 202s (e.g. to restart the broker
    /// midway). <paramref name="pace"/>, when given, is the least time between two webhooks of one sender (a steady stream
    /// rather than a burst); <paramref name="enough"/>, when given, ends the stream early once it holds for the number of
    /// 202s so far. Fails when a webhook is still not accepted at <paramref name="deadline"/>.
    /// </summary>
    public async Task<Result> Send(
        string prefix, int count, int concurrency, TimeSpan deadline, Action<int>? onAccepted = null, TimeSpan? pace = null, Func<int, bool>? enough = null)
    {
        var accepted = new List<string>();
        var latencies = new List<double>();
        var unavailable = 0;
        var refused = 0;
        var next = -1;
        var acceptedCount = 0;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(deadline);

        async Task Worker()
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < count && !(enough?.Invoke(Volatile.Read(ref acceptedCount)) ?? false))
            {
                var began = Stopwatch.GetTimestamp();
                var fingerprint = $"{prefix}-{n}";
                var body = JsonSerializer.SerializeToUtf8Bytes(new
                {
                    source = "webhook-stream",
                    service = "checkout",
                    summary = $"checkout error rate high ({fingerprint})",
                    severity = "critical",
                    timestamp = DateTimeOffset.UtcNow,
                    fingerprint,
                });
                while (true)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    using var request = new HttpRequestMessage(HttpMethod.Post, "webhooks/generic") { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
                    var sent = Stopwatch.GetTimestamp();
                    HttpStatusCode status;
                    try
                    {
                        using var response = await ingress.SendAsync(request, stop.Token);
                        status = response.StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref refused);
                        await Task.Delay(200, stop.Token); // a sender's back-off, not a wait for a condition
                        continue;
                    }

                    if (status == HttpStatusCode.Accepted)
                    {
                        int total;
                        lock (accepted)
                        {
                            accepted.Add(fingerprint);
                            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                            total = accepted.Count;
                        }

                        Volatile.Write(ref acceptedCount, total);

                        onAccepted?.Invoke(total);
                        if (pace is { } least && least - Stopwatch.GetElapsedTime(began) is { Ticks: > 0 } rest)
                        {
                            await Task.Delay(rest, stop.Token); // the sender's own rate, not a wait for a condition
                        }

                        break;
                    }

                    if (status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.Increment(ref unavailable);
                        await Task.Delay(200, stop.Token); // the sender's retry pause
                        continue;
                    }

                    throw new InvalidOperationException($"{fingerprint}: the ingress answered {(int)status}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        return new Result(accepted, latencies, unavailable, refused, clock.Elapsed);
    }
}
