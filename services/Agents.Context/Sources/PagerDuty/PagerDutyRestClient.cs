using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Agents.Context.Sources.PagerDuty;

/// <summary>
/// GET requests to the PagerDuty REST API v2 with the REST API key (<c>Authorization: Token token=KEY</c>) and the API's
/// versioning <c>Accept</c> header. A refusal becomes an <see cref="HttpRequestException"/> naming the path (never the
/// key), the status and the API's own error message and code.
/// </summary>
internal sealed class PagerDutyRestClient(HttpClient http, Uri baseUrl, string apiToken)
{
    public const string Accept = "application/vnd.pagerduty+json;version=2";

    private readonly Uri _base = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");

    /// <summary>The answer to <c>GET /<paramref name="pathAndQuery"/></c> (relative, e.g. <c>incidents?limit=100</c>).</summary>
    public async Task<T> GetAsync<T>(string pathAndQuery, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, pathAndQuery));
        request.Headers.Authorization = new AuthenticationHeaderValue("Token", "token=" + apiToken);
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(Accept));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var path = "/" + pathAndQuery.Split('?', 2)[0];
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(Refusal(path, response.StatusCode, body), null, response.StatusCode);
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body, PagerDutyWire.Json) ?? throw new JsonException("the body is null");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"PagerDuty GET {path} answered {(int)response.StatusCode} with a body that is not the documented JSON: {ex.Message}", ex);
        }
    }

    private static string Refusal(string path, HttpStatusCode status, string body)
    {
        string detail;
        try
        {
            var error = JsonSerializer.Deserialize<PagerDutyWire.ErrorBody>(body, PagerDutyWire.Json)?.Error;
            detail = error?.Message is { } message
                ? message
                    + (error.Code is { } code ? string.Create(CultureInfo.InvariantCulture, $" (code {code})") : string.Empty)
                    + (error.Errors is { Count: > 0 } errors ? ": " + string.Join("; ", errors) : string.Empty)
                : body;
        }
        catch (JsonException)
        {
            detail = Cut(body);
        }

        return string.Create(CultureInfo.InvariantCulture, $"PagerDuty GET {path} answered {(int)status} {Cut(detail)}");
    }

    private static string Cut(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 300 ? line : string.Concat(line.AsSpan(0, 299), "…");
    }
}
