using Agents.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Agents.Remediation.Execution;

/// <summary>Registers the remediation executors.</summary>
public static class ExecutionExtensions
{
    /// <summary>
    /// The executors (Kubernetes, Redis, HTTP) and <see cref="ActionExecutors"/>, with their options
    /// (<c>Remediation:Kubernetes</c>, <c>Remediation:Redis</c>, <c>Remediation:Http</c>) validated at start, the
    /// secrets reader and the HTTP executor's client (no redirects; its own timeout).
    /// </summary>
    public static IServiceCollection AddActionExecutors(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddValidatedOptions<RemediationKubernetesOptions>(RemediationKubernetesOptions.SectionName);
        builder.AddValidatedOptions<RemediationRedisOptions>(RemediationRedisOptions.SectionName);
        builder.AddValidatedOptions<RemediationHttpOptions>(RemediationHttpOptions.SectionName);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ExecutionSecrets>();
        services.AddHttpClient(HttpActionExecutor.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .ConfigureHttpClient((sp, client) =>
                client.Timeout = sp.GetRequiredService<IOptions<RemediationHttpOptions>>().Value.Timeout + TimeSpan.FromSeconds(5));
        services.AddSingleton<IActionExecutor, KubernetesActionExecutor>();
        services.AddSingleton<IActionExecutor, RedisActionExecutor>();
        services.AddSingleton<IActionExecutor, HttpActionExecutor>();
        services.AddSingleton<ActionExecutors>();
        return services;
    }
}
