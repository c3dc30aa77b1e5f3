using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Agents.Hosting.Prometheus;

/// <summary>
/// The one Prometheus HTTP API call the context source and the remediation verification make: <c>GET /api/v1/query_range?query=&amp;start=&amp;end=&amp;step=&amp;timeout=</c>
/// (times in unix seconds), with the configured bearer token or basic auth. Answers the matrix's series; a refusal or
/// an answer that is not the documented shape throws <see cref="PrometheusQueryException"/>, a transport failure
/// <see cref="HttpRequestException"/>. Neither ever carries a credential.
/// </summary>
public sealed class PrometheusClient(HttpClient http, IPrometheusEndpoint options)
{
    private const int MaxErrorBodyChars = 2000;

    private readonly Uri _root = Root(options.Url ?? throw new InvalidOperationException($"{options.SettingName}:Url is not set."));
    private readonly AuthenticationHeaderValue? _authorization = Authorization(options);

    /// <summary>Where queries go (host and port only: never a credential), for messages.</summary>
    public string Server => _root.Authority;

    /// <summary>The request path and query string of a range query (what is sent, after the base address).</summary>
    public static string QueryRangePath(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, TimeSpan timeout) =>
        $"api/v1/query_range?query={Uri.EscapeDataString(query)}&start={Seconds(start)}&end={Seconds(end)}"
        + $"&step={Seconds(step)}&timeout={Seconds(timeout)}";

    public async Task<IReadOnlyList<PrometheusRangeSeries>> QueryRangeAsync(
        string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_root, QueryRangePath(query, start, end, step, options.Timeout)));
        request.Headers.Authorization = _authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);

        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            var refusal = TryRead(body);
            throw refusal is { Error: { } error }
                ? new PrometheusQueryException(response.StatusCode, refusal.ErrorType, error)
                : new PrometheusQueryException(response.StatusCode, response.ReasonPhrase, Excerpt(body));
        }

        PrometheusResponse? answer;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            answer = await JsonSerializer.DeserializeAsync<PrometheusResponse>(stream, cancellationToken: ct);
        }
        catch (JsonException e)
        {
            throw new PrometheusQueryException(null, null, $"unparseable answer: {e.Message}", e);
        }

        if (answer is null || answer.Status != PrometheusResponse.Success)
        {
            throw new PrometheusQueryException(
                response.StatusCode,
                answer?.ErrorType,
                answer?.Error ?? $"answer without \"status\":\"success\" (status '{answer?.Status}')");
        }

        if (answer.Data is not { ResultType: PrometheusMatrix.MatrixType } data)
        {
            throw new PrometheusQueryException(
                null, null, $"a range query answered resultType '{answer.Data?.ResultType}', not '{PrometheusMatrix.MatrixType}'");
        }

        return data.Result ?? [];
    }

    private static PrometheusResponse? TryRead(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<PrometheusResponse>(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Excerpt(string body)
    {
        var text = body.Trim();
        return text.Length == 0 ? "(empty body)" : text.Length <= MaxErrorBodyChars ? text : text[..MaxErrorBodyChars];
    }

    private static Uri Root(Uri url)
    {
        var builder = new UriBuilder(url) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }

        return builder.Uri;
    }

    private static AuthenticationHeaderValue? Authorization(IPrometheusEndpoint options)
    {
        if (!string.IsNullOrEmpty(options.BearerToken))
        {
            return new AuthenticationHeaderValue("Bearer", options.BearerToken);
        }

        if (!string.IsNullOrEmpty(options.Username))
        {
            var pair = Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}");
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        }

        return null;
    }

    private static string Seconds(DateTimeOffset time) => Seconds(time.ToUnixTimeMilliseconds() / 1000m);

    private static string Seconds(TimeSpan span) => Seconds((decimal)span.TotalMilliseconds / 1000m);

    private static string Seconds(decimal seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}
