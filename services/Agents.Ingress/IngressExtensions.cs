using Agents.Contracts.Alerts;
using Agents.Ingress;
using Agents.Ingress.Publishing;
using Agents.Ingress.Verification;

namespace Agents.Ingress;

public static class IngressExtensions
{
    /// <summary>
    /// The webhook ingress: the sources (<see cref="IngressOptions"/>, validated at start-up), one verifier per kind,
    /// the alert bounds shared with the intake (<see cref="AlertLimits"/>), per-source rate limits and the publisher
    /// whose broker connection is the readiness check.
    /// </summary>
    public static WebApplicationBuilder AddIngress(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<IngressOptions>(IngressOptions.SectionName);
        builder.AddValidatedOptions<AlertLimits>(AlertLimits.SectionName);
        builder.Services.AddSingleton<IWebhookVerifier, AlertmanagerVerifier>();
        builder.Services.AddSingleton<IWebhookVerifier, PagerDutyVerifier>();
        builder.Services.AddSingleton<IWebhookVerifier, GenericVerifier>();
        builder.Services.AddSingleton<SourceRateLimits>();
        builder.Services.AddSingleton<AlertPublisher>();
        builder.Services.AddSingleton<WebhookEndpoint>();
        builder.Services.AddHostedService<BrokerConnector>();
        builder.Services.AddHealthChecks().AddCheck<AlertPublisher>("broker", tags: ["ready"]);
        return builder;
    }

    /// <summary><c>POST /webhooks/alertmanager</c>, <c>/webhooks/pagerduty</c> and <c>/webhooks/generic</c>.</summary>
    public static WebApplication MapWebhooks(this WebApplication app)
    {
        foreach (var kind in IngressOptions.Kinds)
        {
            app.MapPost($"/webhooks/{kind}", (HttpContext http, WebhookEndpoint endpoint) => endpoint.Handle(http, kind));
        }

        return app;
    }
}
