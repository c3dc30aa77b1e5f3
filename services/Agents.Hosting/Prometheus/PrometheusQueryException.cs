using System.Net;

namespace Agents.Hosting.Prometheus;

/// <summary>
/// Prometheus refused or botched one query: its status code and, when it said so in its documented error body, its
/// <c>errorType</c> and <c>error</c> (e.g. <c>400 bad_data: 1:5: parse error: unclosed left parenthesis</c>).
/// </summary>
public sealed class PrometheusQueryException : Exception
{
    public PrometheusQueryException(HttpStatusCode? statusCode, string? errorType, string error, Exception? inner = null)
        : base(Describe(statusCode, errorType, error), inner)
    {
        StatusCode = statusCode;
        ErrorType = errorType;
        Error = error;
    }

    /// <summary>The HTTP status of the answer; null when the answer's status was fine but its body was not.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Prometheus' own <c>errorType</c> (<c>bad_data</c>, <c>timeout</c>, <c>execution</c>, <c>unavailable</c> ...), when given.</summary>
    public string? ErrorType { get; }

    /// <summary>Prometheus' own <c>error</c> text, or what was wrong with the answer.</summary>
    public string Error { get; }

    private static string Describe(HttpStatusCode? statusCode, string? errorType, string error)
    {
        var status = statusCode is { } code ? ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        var head = string.Join(' ', new[] { status, errorType }.Where(p => !string.IsNullOrEmpty(p)));
        return head.Length > 0 ? $"{head}: {error}" : error;
    }
}
