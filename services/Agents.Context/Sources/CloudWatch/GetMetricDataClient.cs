using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Agents.Contracts.Context;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace Agents.Context.Sources.CloudWatch;

/// <summary>
/// CloudWatch's <c>GetMetricData</c> over the AWS query protocol, the one the CloudWatch API reference documents: a form
/// POST of <c>Action=GetMetricData&amp;Version=2010-08-01&amp;MetricDataQueries.member.N...</c> signed with SigV4 (service
/// <c>monitoring</c>) by the public signer of <c>AWSSDK.Core</c> (<see cref="AWSSigV4Signer"/>), answered in XML. Follows
/// <c>NextToken</c> for at most the number of pages given and joins each query's points across pages.
/// </summary>
internal sealed class GetMetricDataClient(HttpClient http, TimeProvider clock)
{
    public const string ServiceName = "monitoring";
    public const string ApiVersion = "2010-08-01";
    public const string FormContentType = "application/x-www-form-urlencoded; charset=utf-8";

    public async Task<GetMetricDataAnswer> FetchAsync(
        Uri endpoint,
        string region,
        AWSCredentials credentials,
        IReadOnlyList<MetricDataQuery> queries,
        DateTimeOffset start,
        DateTimeOffset end,
        int maxPages,
        CancellationToken ct)
    {
        var points = queries.ToDictionary(q => q.Id, _ => new List<SeriesPoint>(), StringComparer.Ordinal);
        var results = new Dictionary<string, MetricDataResult>(StringComparer.Ordinal);
        var messages = new List<string>();
        string? nextToken = null;
        var pages = 0;
        do
        {
            var body = Encoding.UTF8.GetBytes(Form(queries, start, end, nextToken));
            var page = await PostAsync(endpoint, region, credentials, body, ct);
            pages++;
            foreach (var result in page.Results)
            {
                if (!points.TryGetValue(result.Id, out var list))
                {
                    points[result.Id] = list = [];
                }

                list.AddRange(result.Points);
                var messagesSoFar = results.TryGetValue(result.Id, out var earlier) ? earlier.Messages : [];
                results[result.Id] = result with { Points = list, Messages = [.. messagesSoFar, .. result.Messages] };
            }

            messages.AddRange(page.Messages);
            nextToken = page.NextToken;
        }
        while (nextToken is not null && pages < maxPages);

        return new GetMetricDataAnswer { Results = results, Messages = messages, Pages = pages, Truncated = nextToken is not null };
    }

    /// <summary>The form body of one call (values percent-encoded as RFC 3986 says).</summary>
    public static string Form(IReadOnlyList<MetricDataQuery> queries, DateTimeOffset start, DateTimeOffset end, string? nextToken)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("Action", "GetMetricData"),
            new("Version", ApiVersion),
            new("StartTime", Timestamp(start)),
            new("EndTime", Timestamp(end)),
            new("ScanBy", "TimestampAscending"),
        };
        for (var i = 0; i < queries.Count; i++)
        {
            parameters.AddRange(queries[i].ToParameters(i + 1));
        }

        if (nextToken is not null)
        {
            parameters.Add(new("NextToken", nextToken));
        }

        return string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
    }

    private async Task<Page> PostAsync(Uri endpoint, string region, AWSCredentials credentials, byte[] body, CancellationToken ct)
    {
        var signing = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = endpoint, Content = body };
        signing.Headers["Content-Type"] = FormContentType;
        var signed = await AWSSigV4Signer.SignAsync(
            signing,
            new AWSSigV4Parameters
            {
                Credentials = credentials,
                Region = RegionEndpoint.GetBySystemName(region),
                Service = ServiceName,
                SignPayload = true,
                SignedAt = clock.GetUtcNow().UtcDateTime,
            },
            ct);

        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(FormContentType);
        foreach (var (name, value) in signed.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(Refusal(response.StatusCode, text, region), null, response.StatusCode);
        }

        try
        {
            return Parse(text);
        }
        catch (Exception ex) when (ex is XmlException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"CloudWatch GetMetricData ({region}) answered {(int)response.StatusCode} with a body that is not a GetMetricDataResponse: {ex.Message}", ex);
        }
    }

    private static string Refusal(HttpStatusCode status, string body, string region)
    {
        string detail;
        try
        {
            var error = Load(body).Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            detail = error is null
                ? Cut(body)
                : $"{Child(error, "Code") ?? "error"}: {Cut(Child(error, "Message") ?? string.Empty)}";
        }
        catch (XmlException)
        {
            detail = Cut(body);
        }

        return string.Create(CultureInfo.InvariantCulture, $"CloudWatch GetMetricData ({region}) answered {(int)status} {detail}");
    }

    private static Page Parse(string text)
    {
        var root = Load(text).Root;
        if (root?.Name.LocalName != "GetMetricDataResponse")
        {
            throw new InvalidDataException($"expected <GetMetricDataResponse>, found <{root?.Name.LocalName}>");
        }

        var result = root.Elements().FirstOrDefault(e => e.Name.LocalName == "GetMetricDataResult")
            ?? throw new InvalidDataException("no <GetMetricDataResult>");
        var results = Members(result, "MetricDataResults").Select(member =>
        {
            var timestamps = Members(member, "Timestamps").Select(t => DateTimeOffset.Parse(t.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)).ToList();
            var values = Members(member, "Values").Select(v => double.Parse(v.Value, NumberStyles.Float, CultureInfo.InvariantCulture)).ToList();
            if (timestamps.Count != values.Count)
            {
                throw new InvalidDataException($"result {Child(member, "Id")} has {timestamps.Count} timestamps and {values.Count} values");
            }

            return new MetricDataResult
            {
                Id = Child(member, "Id") ?? throw new InvalidDataException("a MetricDataResult without <Id>"),
                Label = Child(member, "Label"),
                Points = timestamps.Zip(values, (at, value) => new SeriesPoint(at, value)).ToList(),
                StatusCode = Child(member, "StatusCode") ?? "Complete",
                Messages = Messages(member),
            };
        }).ToList();
        return new Page(results, Messages(result), Child(result, "NextToken") is { Length: > 0 } token ? token : null);
    }

    private static XDocument Load(string text)
    {
        using var reader = XmlReader.Create(new StringReader(text), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        return XDocument.Load(reader);
    }

    private static IEnumerable<XElement> Members(XElement parent, string list) =>
        parent.Elements().Where(e => e.Name.LocalName == list).Elements().Where(e => e.Name.LocalName == "member");

    private static string? Child(XElement parent, string name) => parent.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    private static List<string> Messages(XElement parent) =>
        Members(parent, "Messages").Select(m => $"{Child(m, "Code")}: {Cut(Child(m, "Value") ?? string.Empty)}").ToList();

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Cut(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 300 ? line : string.Concat(line.AsSpan(0, 299), "…");
    }

    private sealed record Page(IReadOnlyList<MetricDataResult> Results, IReadOnlyList<string> Messages, string? NextToken);
}
