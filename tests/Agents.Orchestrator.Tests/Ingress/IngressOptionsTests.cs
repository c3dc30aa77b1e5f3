using System.ComponentModel.DataAnnotations;
using Agents.Ingress;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Agents.Orchestrator.Tests.Ingress;

public sealed class IngressOptionsTests
{
    private const string Token = "am-token-0123456789abcdef";
    private const string Secret = "whsec-current-0123456789abcdef";

    private static List<string> Problems(IngressOptions options) =>
        [.. options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!)];

    private static List<string> Problems(string name, WebhookSource source) =>
        Problems(new IngressOptions { Sources = { [name] = source } });

    private static IngressOptions ValidSet() => new()
    {
        Sources =
        {
            ["alertmanager"] = new WebhookSource { Token = Token },
            ["pagerduty"] = new WebhookSource { Secret = Secret },
            ["generic"] = new WebhookSource { Secret = Secret, Token = Token },
            ["grafana"] = new WebhookSource { Kind = "alertmanager", Username = "grafana", Password = "grafana-password-0123" },
        },
    };

    [Fact]
    public void Valid_set_of_sources_has_no_problems()
    {
        Assert.Empty(Problems(ValidSet()));
    }

    [Fact]
    public void Valid_set_passes_data_annotations_validation_too()
    {
        var options = ValidSet();
        var results = new List<ValidationResult>();

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Empty(results);
    }

    [Fact]
    public void Kind_defaults_to_the_source_name()
    {
        var options = ValidSet();

        Assert.Equal(new[] { "alertmanager", "grafana" }, options.SourcesOf(WebhookKinds.Alertmanager).Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.Equal("pagerduty", Assert.Single(options.SourcesOf(WebhookKinds.PagerDuty)).Key);
        Assert.Equal("generic", Assert.Single(options.SourcesOf(WebhookKinds.Generic)).Key);
    }

    [Fact]
    public void No_sources_is_a_problem_that_says_how_to_configure_one()
    {
        var problem = Assert.Single(Problems(new IngressOptions()));

        Assert.StartsWith("Ingress:Sources is empty", problem, StringComparison.Ordinal);
        Assert.Contains("Ingress__Sources__alertmanager__Token", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_kind_is_a_problem()
    {
        var problem = Assert.Single(Problems("datadog", new WebhookSource { Token = Token }));

        Assert.Equal("Ingress:Sources:datadog: Kind 'datadog' is not one of alertmanager, pagerduty, generic", problem);
    }

    [Fact]
    public void Unknown_explicit_kind_is_a_problem()
    {
        var problem = Assert.Single(Problems("grafana", new WebhookSource { Kind = "grafana-cloud", Token = Token }));

        Assert.Contains("Kind 'grafana-cloud' is not one of", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Kind_is_read_without_regard_to_case()
    {
        Assert.Empty(Problems("Grafana", new WebhookSource { Kind = "AlertManager", Token = Token }));
        Assert.Single(new IngressOptions { Sources = { ["Grafana"] = new() { Kind = "AlertManager", Token = Token } } }.SourcesOf("alertmanager"));
    }

    [Theory]
    [InlineData("pagerduty", "Secret")]
    [InlineData("generic", "Secret")]
    [InlineData("generic", "Token")]
    [InlineData("alertmanager", "Token")]
    [InlineData("alertmanager", "Password")]
    [InlineData("pagerduty", "PreviousSecret")]
    public void Secret_shorter_than_16_characters_is_a_problem(string name, string setting)
    {
        var source = new WebhookSource { Secret = Secret, Token = Token, Username = "user" };
        typeof(WebhookSource).GetProperty(setting)!.SetValue(source, "fifteen-chars!!");

        Assert.Contains($"Ingress:Sources:{name}: {setting} is shorter than 16 characters", Problems(name, source));
    }

    [Fact]
    public void Secret_of_16_characters_is_enough()
    {
        Assert.Empty(Problems("pagerduty", new WebhookSource { Secret = "sixteen-chars!!!" }));
    }

    [Fact]
    public void Pagerduty_without_secret_is_a_problem()
    {
        var problems = Problems("pagerduty", new WebhookSource { Token = Token }).ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains("Ingress:Sources:pagerduty: a pagerduty source needs Secret (the webhook subscription's signing secret)", problems);
        Assert.Contains("Ingress:Sources:pagerduty: a pagerduty source is verified by its signature alone: set Secret, not Token, Username or Password", problems);
    }

    [Fact]
    public void Pagerduty_with_only_a_previous_secret_is_a_problem()
    {
        Assert.Contains("needs Secret", Assert.Single(Problems("pagerduty", new WebhookSource { PreviousSecret = Secret })), StringComparison.Ordinal);
    }

    [Fact]
    public void Alertmanager_without_token_or_basic_is_a_problem()
    {
        var problems = Problems("alertmanager", new WebhookSource { Secret = Secret }).ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains("Ingress:Sources:alertmanager: an alertmanager source needs Token (bearer) or Username and Password (basic)", problems);
        Assert.Contains("Ingress:Sources:alertmanager: an alertmanager source authenticates with Token or Username and Password, not Secret", problems);
    }

    [Fact]
    public void Generic_without_secret_or_token_is_a_problem()
    {
        var problem = Assert.Single(Problems("generic", new WebhookSource()));

        Assert.Contains("a generic source needs Secret (signed requests) or Token (bearer)", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grafana", null)]
    [InlineData(null, "grafana-password-0123")]
    [InlineData("graf:ana", "grafana-password-0123")]
    public void Basic_without_both_username_and_password_is_a_problem(string? username, string? password)
    {
        var source = new WebhookSource { Kind = "alertmanager", Username = username, Password = password };

        var problem = Assert.Single(Problems("grafana", source));

        Assert.Equal("Ingress:Sources:grafana: basic authentication needs both Username (without ':') and Password", problem);
    }

    [Fact]
    public void Basic_with_only_username_is_a_problem_even_beside_a_token()
    {
        var source = new WebhookSource { Token = Token, Username = "alertmanager" };

        Assert.Contains("basic authentication needs both", Assert.Single(Problems("alertmanager", source)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("-leading-dash")]
    [InlineData("_leading-underscore")]
    [InlineData("dots.in.name")]
    [InlineData("slash/name")]
    [InlineData("ümlaut")]
    public void Bad_source_name_is_a_problem(string name)
    {
        var problem = Assert.Single(Problems(name, new WebhookSource { Kind = "generic", Token = Token }));

        Assert.Equal($"Ingress:Sources:{name}: a source name holds 1 to 63 letters, digits, '-' or '_'", problem);
    }

    [Fact]
    public void Source_name_of_63_characters_passes_and_64_is_a_problem()
    {
        Assert.Empty(Problems(new string('a', 63), new WebhookSource { Kind = "generic", Token = Token }));
        Assert.Single(Problems(new string('a', 64), new WebhookSource { Kind = "generic", Token = Token }));
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(-1, 100)]
    [InlineData(100_001, 100)]
    [InlineData(50, 0)]
    [InlineData(50, 1_000_001)]
    public void Rate_out_of_range_is_a_problem(double permitsPerSecond, int burst)
    {
        var source = new WebhookSource { Token = Token, PermitsPerSecond = permitsPerSecond, Burst = burst };

        Assert.Contains("PermitsPerSecond must be in", Assert.Single(Problems("alertmanager", source)), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_every_source_is_reported()
    {
        var options = new IngressOptions
        {
            Sources =
            {
                ["pagerduty"] = new WebhookSource(),
                ["alertmanager"] = new WebhookSource { Token = "short" },
                ["has space"] = new WebhookSource { Kind = "generic", Secret = Secret },
            },
        };

        var problems = Problems(options);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Ingress:Sources:pagerduty: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Ingress:Sources:alertmanager: Token is shorter", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Ingress:Sources:has space: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_never_quote_a_secret()
    {
        var options = new IngressOptions
        {
            Sources =
            {
                ["alertmanager"] = new WebhookSource { Token = "short-token", Username = "x", Password = "short-pass" },
                ["pagerduty"] = new WebhookSource { Secret = "short-secret" },
            },
        };

        var text = string.Join("\n", Problems(options));

        Assert.DoesNotContain("short-token", text, StringComparison.Ordinal);
        Assert.DoesNotContain("short-pass", text, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret", text, StringComparison.Ordinal);
    }

    private static IngressOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build()
            .GetSection(IngressOptions.SectionName).Get<IngressOptions>()!;

    [Fact]
    public void Options_bound_from_configuration_give_the_source_of_each_kind()
    {
        var options = Bind(new()
        {
            ["Ingress:Sources:alertmanager:Token"] = Token,
            ["Ingress:Sources:pagerduty:Secret"] = Secret,
            ["Ingress:Sources:pagerduty:PreviousSecret"] = "whsec-previous-0123456789abcdef",
            ["Ingress:Sources:grafana:Kind"] = "Alertmanager",
            ["Ingress:Sources:grafana:Username"] = "grafana",
            ["Ingress:Sources:grafana:Password"] = "grafana-password-0123",
            ["Ingress:Sources:grafana:PermitsPerSecond"] = "2.5",
            ["Ingress:Sources:grafana:Burst"] = "10",
            ["Ingress:SignatureWindow"] = "00:02:00",
        });

        Assert.Empty(Problems(options));
        var alertmanager = Assert.Single(options.SourcesOf("alertmanager"), s => s.Key == "alertmanager").Value;
        Assert.Equal(Token, alertmanager.Token);
        Assert.Null(alertmanager.Username);
        Assert.Equal(50, alertmanager.PermitsPerSecond);
        Assert.Equal(100, alertmanager.Burst);

        var grafana = Assert.Single(options.SourcesOf("alertmanager"), s => s.Key == "grafana").Value;
        Assert.Equal("grafana", grafana.Username);
        Assert.Equal(2.5, grafana.PermitsPerSecond);
        Assert.Equal(10, grafana.Burst);

        var pagerduty = Assert.Single(options.SourcesOf("pagerduty")).Value;
        Assert.Equal(new[] { Secret, "whsec-previous-0123456789abcdef" }, pagerduty.Secrets());
        Assert.Empty(options.SourcesOf("generic"));
        Assert.Equal(TimeSpan.FromMinutes(2), options.SignatureWindow);
    }

    [Fact]
    public void Bound_source_names_are_looked_up_without_regard_to_case()
    {
        var options = Bind(new() { ["Ingress:Sources:AlertManager:Token"] = Token });

        Assert.Equal(Token, options.Sources["alertmanager"].Token);
        Assert.Equal("AlertManager", Assert.Single(options.SourcesOf("alertmanager")).Key);
    }

    [Fact]
    public void Source_with_burst_3_at_half_a_permit_a_second_gets_3_permits_then_waits_at_least_a_second()
    {
        var options = new IngressOptions { Sources = { ["am"] = new WebhookSource { Kind = "alertmanager", Token = Token, Burst = 3, PermitsPerSecond = 0.5 } } };
        using var rates = new SourceRateLimits(Options.Create(options));

        Assert.Null(rates.TryTake("am"));
        Assert.Null(rates.TryTake("am"));
        Assert.Null(rates.TryTake("am"));
        var wait = rates.TryTake("am");

        Assert.NotNull(wait);
        Assert.True(wait >= TimeSpan.FromSeconds(1), $"waits {wait}");
    }

    [Fact]
    public void Each_source_has_a_bucket_of_its_own()
    {
        var options = new IngressOptions
        {
            Sources =
            {
                ["noisy"] = new WebhookSource { Kind = "generic", Token = Token, Burst = 1, PermitsPerSecond = 0.5 },
                ["quiet"] = new WebhookSource { Kind = "generic", Token = Token, Burst = 1, PermitsPerSecond = 0.5 },
            },
        };
        using var rates = new SourceRateLimits(Options.Create(options));

        Assert.Null(rates.TryTake("noisy"));
        Assert.NotNull(rates.TryTake("noisy"));
        Assert.Null(rates.TryTake("quiet"));
    }
}
