namespace Agents.Notification.Channels.Email;

public static class EmailChannelExtensions
{
    /// <summary>The email channel (<c>email</c>), bound from <c>Notification:Channels:Email</c>.</summary>
    public static IServiceCollection AddEmailChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailChannelOptions>().Bind(configuration.GetSection(EmailChannelOptions.SectionName));
        services.AddSingleton<INotificationChannel, EmailChannel>();
        return services;
    }
}
