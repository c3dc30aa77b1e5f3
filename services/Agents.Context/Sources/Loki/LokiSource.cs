using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Agents.Hosting.Catalog;
using Microsoft.Extensions.Options;

namespace Agents.Context.Sources.Loki;

/// <summary>
/// The top error log patterns of the incident's service in the window, from Loki's
/// <c>GET /loki/api/v1/query_range</c>: the LogQL <c>&lt;selector&gt; &lt;filter&gt;</c> of the service's catalog entry
/// (<see cref="LokiQuery"/>), <c>start</c>/<c>end</c> the window in Unix nanoseconds, <c>direction=backward</c> (newest
/// lines first) and <c>limit</c> the fewer of <see cref="ContextBounds.MaxLogLines"/> and
/// <see cref="LokiSourceOptions.MaxEntriesPerQuery"/>. The lines of every stream answered are grouped into patterns by
/// <see cref="LogPatternGrouper"/>. A service without a Loki part in the catalog asks nothing.
/// <para>
/// Loki refuses a bad query with 400 and a plain-text reason (<c>parse error at line 1, col 5: …</c>), a missing tenant
/// with 401 <c>no org id</c>: any status but 2xx, an answer that is not <c>success</c> or not log streams (a metric
/// query) throws with the status and Loki's own text, shortened; never a credential.
/// </para>
/// </summary>
public sealed class LokiSource(IHttpClientFactory httpClientFactory, IOptions<LokiSourceOptions> options) : IContextSource
{
    public const string SourceName = "loki";

    /// <summary>The named HTTP client and configuration section (<c>Context:Sources:Loki</c>).</summary>
    public const string ClientName = "Loki";

    private const int MaxErrorChars = 4096;

    public string Name => SourceName;

    public TimeSpan? Timeout => options.Value.Timeout;

    public async Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Service.Loki is not { } loki)
        {
            return ContextContribution.Empty;
        }

        var settings = options.Value;
        var baseUrl = settings.Url ?? throw new InvalidOperationException("Loki source is not configured (Context:Sources:Loki:Url is not set).");
        var query = Query(loki);
        var limit = Math.Min(request.Bounds.MaxLogLines, settings.MaxEntriesPerQuery);
        var parameters = string.Join('&', new[]
        {
            ("query", query),
            ("start", UnixNanoseconds(request.Window.Start)),
            ("end", UnixNanoseconds(request.Window.End)),
            ("limit", limit.ToString(CultureInfo.InvariantCulture)),
            ("direction", "backward"),
        }.Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2)}"));
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(WithTrailingSlash(baseUrl), $"loki/api/v1/query_range?{parameters}"));
        Authorize(message, settings);

        HttpResponseMessage response;
        try
        {
            response = await httpClientFactory.CreateClient(ClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            throw new HttpRequestException($"Loki could not be reached: {ex.Message}", ex);
        }

        using var answer = response;
        if (!response.IsSuccessStatusCode)
        {
            var reason = await ReadErrorAsync(response, ct);
            throw new HttpRequestException(
                $"Loki answered {(int)response.StatusCode} {response.ReasonPhrase} to query_range {query}: {request.Bounds.Shorten(reason)}",
                null,
                response.StatusCode);
        }

        var lines = await ReadLinesAsync(response, query, request.Bounds, ct);
        return new ContextContribution
        {
            LogPatterns = LogPatternGrouper.Group(lines.OrderByDescending(l => l.At), SourceName, query, request.Window, request.Bounds),
        };
    }

    /// <summary>The LogQL sent: the selector, then the line filter (when there is one).</summary>
    public static string Query(LokiQuery loki) =>
        string.IsNullOrWhiteSpace(loki.Filter) ? loki.Selector.Trim() : $"{loki.Selector.Trim()} {loki.Filter.Trim()}";

    public static string UnixNanoseconds(DateTimeOffset time) =>
        ((time - DateTimeOffset.UnixEpoch).Ticks * 100).ToString(CultureInfo.InvariantCulture);

    private static void Authorize(HttpRequestMessage message, LokiSourceOptions settings)
    {
        if (!string.IsNullOrEmpty(settings.TenantId))
        {
            message.Headers.Add("X-Scope-OrgID", settings.TenantId);
        }

        if (!string.IsNullOrEmpty(settings.BearerToken))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.BearerToken);
        }
        else if (!string.IsNullOrEmpty(settings.Username))
        {
            var pair = Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}");
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        }
    }

    private static async Task<List<(DateTimeOffset At, string Line)>> ReadLinesAsync(
        HttpResponseMessage response, string query, ContextBounds bounds, CancellationToken ct)
    {
        JsonDocument document;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Loki answered query_range {query} with a body that is not JSON: {bounds.Shorten(ex.Message)}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            var status = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) ? s.ToString() : null;
            if (status != "success")
            {
                var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) ? e.ToString() : "no error given";
                throw new InvalidDataException($"Loki answered query_range {query} with status '{status}': {bounds.Shorten(error)}");
            }

            if (!root.TryGetProperty("data", out var data)
                || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("result", out var result)
                || result.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"Loki answered query_range {query} without data.result.");
            }

            var resultType = data.TryGetProperty("resultType", out var t) ? t.ToString() : null;
            if (resultType != "streams")
            {
                throw new InvalidDataException(
                    $"Loki answered query_range {query} with '{resultType}', not log streams: the catalog's selector and filter must be a log query, not a metric query.");
            }

            var lines = new List<(DateTimeOffset, string)>();
            foreach (var stream in result.EnumerateArray())
            {
                if (stream.ValueKind != JsonValueKind.Object
                    || !stream.TryGetProperty("values", out var values)
                    || values.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var entry in values.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.Array
                        && entry.GetArrayLength() >= 2
                        && entry[0].ValueKind == JsonValueKind.String
                        && long.TryParse(entry[0].GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var nanoseconds)
                        && entry[1].ValueKind == JsonValueKind.String)
                    {
                        lines.Add((DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100), entry[1].GetString()!));
                    }
                }
            }

            return lines;
        }
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        text = text.Length > MaxErrorChars ? text[..MaxErrorChars] : text;
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length > 0 ? text : "(no body)";
    }

    private static Uri WithTrailingSlash(Uri url) =>
        url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
}
