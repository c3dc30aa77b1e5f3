using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Agents.Contracts.Alerts;
using Agents.Ingress.Publishing;
using Agents.Ingress.Verification;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Agents.Ingress;

/// <summary>
/// <c>POST /webhooks/&lt;kind&gt;</c>, in the order a request is checked: a source of that kind configured (else 404),
/// a JSON content type (415), credentials that do not sign the body (bearer, basic: 401, before the body is read), the
/// body's size (413, before it is read when it declares its length), a signature over the body (401), that source's
/// rate (429), the body's bounds (<see cref="AlertBodyCheck"/>: 400),
/// then the publish with its confirm: 202 once the broker has the alert, 503 with <c>Retry-After</c> when it does not.
/// The alert intake behind the exchange stays the only parser of the formats.
/// </summary>
public sealed class WebhookEndpoint(
    IOptions<IngressOptions> options,
    IOptions<AlertLimits> limits,
    IEnumerable<IWebhookVerifier> verifiers,
    SourceRateLimits rates,
    AlertPublisher publisher,
    TimeProvider clock,
    ILogger<WebhookEndpoint> logger)
{
    private readonly Dictionary<string, IWebhookVerifier> _verifiers = verifiers.ToDictionary(v => v.Kind);

    public async Task<IResult> Handle(HttpContext http, string kind)
    {
        var request = http.Request;
        var sources = options.Value.SourcesOf(kind).ToList();
        if (sources.Count == 0)
        {
            return Refuse(http, kind, IngressTelemetry.UnknownSource, StatusCodes.Status404NotFound, "no_source",
                $"no {kind} source is configured on this ingress (Ingress__Sources__<name>__Kind={kind})");
        }

        if (!IsJson(request.ContentType))
        {
            return Refuse(http, kind, IngressTelemetry.UnknownSource, StatusCodes.Status415UnsupportedMediaType, "content_type",
                $"the body must be JSON (Content-Type: application/json), not '{Printable(request.ContentType)}'");
        }

        // Credentials that do not sign the body (a bearer token, basic auth) are checked before a byte of it is read:
        // an unauthenticated sender costs no body read.
        var verifier = _verifiers[kind];
        Sender? early = null;
        if (!verifier.NeedsBody(request.Headers))
        {
            early = Identify(verifier, request.Headers, [], sources, out var refusal);
            if (early is null)
            {
                return Unauthorized(http, kind, refusal);
            }
        }

        var max = limits.Value.MaxBodyBytes;
        if (request.ContentLength > max)
        {
            return TooLarge(http, kind, $"the body is {request.ContentLength} bytes; at most {max} are accepted");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(max + 1, (int?)request.ContentLength + 1 ?? 64 * 1024));
        try
        {
            var (length, tooLarge) = await ReadBody(http, max, buffer, b => buffer = b);
            if (tooLarge)
            {
                return TooLarge(http, kind, $"the body is longer than {max} bytes");
            }

            var body = buffer.AsMemory(0, length);
            Verdict signatureRefusal = default;
            if ((early ?? Identify(verifier, request.Headers, body.Span, sources, out signatureRefusal)) is not { } sender)
            {
                return Unauthorized(http, kind, signatureRefusal);
            }

            if (rates.TryTake(sender.Name) is { } wait)
            {
                http.Response.Headers.RetryAfter = Seconds(wait);
                return Refuse(http, kind, sender.Name, StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"source '{sender.Name}' sends more than {sender.Source.PermitsPerSecond:0.##} webhooks a second (burst {sender.Source.Burst})");
            }

            if (AlertBodyCheck.Check(body.Span, limits.Value) is { } problem)
            {
                var status = problem.Reason == AlertRejections.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
                return Refuse(http, kind, sender.Name, status, problem.Reason, problem.Message);
            }

            var started = Stopwatch.GetTimestamp();
            string messageId;
            try
            {
                messageId = await publisher.Publish(body, sender.Name, kind, sender.Method, http.RequestAborted);
            }
            catch (BrokerUnavailableException e)
            {
                IngressLog.NotPublished(logger, kind, sender.Name, e.Message);
                IngressTelemetry.Count(sender.Name, kind, IngressTelemetry.Rejected, "broker_unavailable");
                http.Response.Headers.RetryAfter = Seconds(options.Value.RetryAfter);
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable",
                    detail: $"the broker did not confirm the alert ({e.Message}); send it again later", extensions: Reason("broker_unavailable"));
            }

            IngressTelemetry.ConfirmDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            IngressTelemetry.Count(sender.Name, kind, IngressTelemetry.Accepted, "ok");
            IngressLog.Accepted(logger, kind, sender.Name, length, sender.Method, messageId);
            return Results.Json(new { status = "accepted", source = sender.Name, messageId }, statusCode: StatusCodes.Status202Accepted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The first of <paramref name="sources"/> whose credentials the request carries, else null and the most telling refusal.</summary>
    private Sender? Identify(
        IWebhookVerifier verifier, IHeaderDictionary headers, ReadOnlySpan<byte> body, List<KeyValuePair<string, WebhookSource>> sources, out Verdict refusal)
    {
        refusal = default;
        var now = clock.GetUtcNow();
        foreach (var (name, source) in sources)
        {
            var verdict = verifier.Verify(headers, body, source, now);
            if (verdict.Verified)
            {
                return new Sender(name, source, verdict.Method!);
            }

            // A wrong or expired signature says more than a missing credential (checked against another source).
            refusal = refusal.Reason is null || verdict.Reason != Verdict.Unauthenticated ? verdict : refusal;
        }

        return null;
    }

    private IResult Unauthorized(HttpContext http, string kind, Verdict refusal)
    {
        if (kind == WebhookKinds.Alertmanager || refusal.Reason == Verdict.Unauthenticated)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"agents-ingress\"";
        }

        return Refuse(http, kind, IngressTelemetry.UnknownSource, StatusCodes.Status401Unauthorized, refusal.Reason, refusal.Message);
    }

    private sealed record Sender(string Name, WebhookSource Source, string Method);

    /// <summary>Reads the body into <paramref name="buffer"/> (grown from the pool as needed), stopping one byte past <paramref name="max"/>.</summary>
    private static async Task<(int Length, bool TooLarge)> ReadBody(HttpContext http, int max, byte[] buffer, Action<byte[]> replaced)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Kestrel's own limit (30 MB) would refuse with a bare 413 of its own, and counts chunk framing too: our
            // count answers. A body we stopped reading is not drained: TooLarge closes the connection.
            limit.MaxRequestBodySize = null;
        }

        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > max)
                {
                    return (length, true);
                }

                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(max + 1, buffer.Length * 2));
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
                replaced(buffer);
            }

            var read = await http.Request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, max + 1) - length), http.RequestAborted);
            if (read == 0)
            {
                return (length, false);
            }

            length += read;
            if (length > max)
            {
                return (length, true);
            }
        }
    }

    private IResult TooLarge(HttpContext http, string kind, string detail)
    {
        // The rest of the body is never read: close the connection rather than let Kestrel drain it.
        http.Response.Headers.Connection = "close";
        return Refuse(http, kind, IngressTelemetry.UnknownSource, StatusCodes.Status413PayloadTooLarge, AlertRejections.TooLarge, detail);
    }

    private IResult Refuse(HttpContext http, string kind, string source, int status, string reason, string detail)
    {
        IngressTelemetry.Count(source, kind, IngressTelemetry.Rejected, reason);
        IngressLog.Refused(logger, kind, source, http.Connection.RemoteIpAddress?.ToString(), status, reason, detail);
        return Results.Problem(statusCode: status, detail: detail, extensions: Reason(reason));
    }

    private static Dictionary<string, object?> Reason(string reason) => new() { ["reason"] = reason };

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private static string Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static string Printable(string? text) =>
        text is null ? "none" : new string(text.Take(60).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
