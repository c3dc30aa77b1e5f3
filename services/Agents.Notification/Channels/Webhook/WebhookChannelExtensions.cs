namespace Agents.Notification.Channels.Webhook;

public static class WebhookChannelExtensions
{
    /// <summary>The generic webhook channel (<c>webhook</c>), bound from <c>Notification:Channels:Webhook</c>.</summary>
    public static IServiceCollection AddWebhookChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookChannelOptions>().Bind(configuration.GetSection(WebhookChannelOptions.SectionName));
        services.AddChannelHttpClient(WebhookChannel.ClientName);
        services.AddSingleton<INotificationChannel, WebhookChannel>();
        return services;
    }
}
