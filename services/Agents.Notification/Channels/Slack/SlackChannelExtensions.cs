using Microsoft.Extensions.Http.Resilience;

namespace Agents.Notification.Channels.Slack;

public static class SlackChannelExtensions
{
    /// <summary>
    /// The Slack channel: options from <c>Notification:Channels:Slack</c>, the named client <c>slack</c> (retries of
    /// <c>chat.postMessage</c> only on 429, see <see cref="SlackChannel.ConfigureRetry"/>) and the channel itself.
    /// </summary>
    public static IServiceCollection AddSlackChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SlackChannelOptions>().Bind(configuration.GetSection(SlackChannelOptions.SectionName));
        var client = services.AddChannelHttpClient(SlackChannel.ChannelName);

        // The standard handler's options are named "<client>-standard"; this runs after ChannelHttp's own settings.
        services.Configure<HttpStandardResilienceOptions>($"{client.Name}-standard", SlackChannel.ConfigureRetry);
        services.AddSingleton<INotificationChannel, SlackChannel>();
        return services;
    }
}
