using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Agents.Remediation.Runbooks;
using Microsoft.Extensions.Options;

namespace Agents.Remediation.Execution;

/// <summary>
/// Runs <see cref="HttpStep"/>s: one request to a deploy tool's API (an Argo CD rollback, a pipeline dispatch …). The
/// URL and the body are the step's templates filled in with the action's typed parameters only (URL-encoded into the
/// URL, JSON-escaped into the body). A bearer step sends <c>Authorization: Bearer &lt;secret&gt;</c>; an HMAC step sends
/// <c>sha256=&lt;hex HMAC-SHA256 of the body&gt;</c> in its header. The secret is read when the step runs
/// (<see cref="ExecutionSecrets"/>) and never appears in a summary. Redirects are not followed (a 3xx is a failure);
/// a non-2xx answer fails with its status code.
/// </summary>
public sealed class HttpActionExecutor(IHttpClientFactory clients, ExecutionSecrets secrets, IOptions<RemediationHttpOptions> options) : IActionExecutor
{
    /// <summary>The named <see cref="HttpClient"/> (no redirects, the configured timeout).</summary>
    public const string ClientName = "remediation-http";

    private const int MaxExcerpt = 200;

    public string Kind => HttpStep.KindName;

    public string DescribeTarget(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target) =>
        step is HttpStep http ? $"{http.Method} {RunbookCatalog.RenderRun(http.Url, parameters, ParameterRules.UrlEncoded, "(not-set)")}" : "http";

    public string? ValidateTarget(ExecutorStep step, ActionTarget target) =>
        step is HttpStep { Auth: { } auth } && secrets.Get(auth.SecretName) is null
            ? $"the secret {auth.SecretName} is not set ({ExecutionSecrets.WhereToSet(auth.SecretName)})"
            : null;

    public async Task<StepResult> RunAsync(ExecutorStep step, IReadOnlyDictionary<string, string> parameters, ActionTarget target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (step is not HttpStep http)
        {
            return StepResult.Failure($"http: not an http step ({step.Kind})");
        }

        var url = RunbookCatalog.RenderRun(http.Url, parameters, ParameterRules.UrlEncoded);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return StepResult.Failure($"refused: {url} is not an absolute http or https address");
        }

        var secret = http.Auth is { } auth ? secrets.Get(auth.SecretName) : null;
        if (http.Auth is { } needed && secret is null)
        {
            return StepResult.Failure($"refused: the secret {needed.SecretName} is not set ({ExecutionSecrets.WhereToSet(needed.SecretName)})");
        }

        var body = http.Body is null ? null : RunbookCatalog.RenderRun(http.Body, parameters, ParameterRules.JsonEscaped);
        using var request = new HttpRequestMessage(new HttpMethod(http.Method), uri);
        var bytes = Encoding.UTF8.GetBytes(body ?? "");
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        if (http.Auth?.Bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }
        else if (http.Auth?.Hmac is not null)
        {
            var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret!), bytes));
            request.Headers.TryAddWithoutValidation(http.Auth.Header, $"sha256={signature}");
        }

        var what = $"{http.Method} {uri.GetLeftPart(UriPartial.Path)}";
        try
        {
            using var client = clients.CreateClient(ClientName);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Value.Timeout);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            if (code is >= 200 and < 300)
            {
                return StepResult.Success($"{what} answered {code} {response.ReasonPhrase}");
            }

            var excerpt = await ExcerptAsync(response, secret, timeout.Token);
            var redirect = code is >= 300 and < 400 ? " (redirects are not followed)" : "";
            return StepResult.Failure($"{what} answered {code} {response.ReasonPhrase}{redirect}{excerpt}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return StepResult.Failure($"{what} got no answer within {options.Value.Timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            return StepResult.Failure($"{what} failed: {Scrub(e.Message, secret)}");
        }
    }

    /// <summary>The start of the answer's body (": …"), with the secret replaced should the tool echo it.</summary>
    private static async Task<string> ExcerptAsync(HttpResponseMessage response, string? secret, CancellationToken ct)
    {
        try
        {
            var text = (await response.Content.ReadAsStringAsync(ct)).Trim();
            if (text.Length == 0)
            {
                return "";
            }

            text = Scrub(text, secret).ReplaceLineEndings(" ");
            return ": " + (text.Length <= MaxExcerpt ? text : text[..MaxExcerpt] + "…");
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    private static string Scrub(string text, string? secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "***", StringComparison.Ordinal);
}
