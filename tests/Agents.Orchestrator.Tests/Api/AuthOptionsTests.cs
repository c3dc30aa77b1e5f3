using System.ComponentModel.DataAnnotations;
using Agents.Api.Security;

namespace Agents.Orchestrator.Tests.Api;

public sealed class AuthOptionsTests
{
    private const string Hash = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static List<string> Problems(AuthOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    [Fact]
    public void A_key_with_a_hash_and_a_role_is_enough()
    {
        var options = new AuthOptions { ApiKeys = { ["deploy-bot"] = new ApiKeyOptions { Hash = Hash, Role = ApiRoles.Operator } } };
        Assert.Empty(Problems(options));
    }

    [Fact]
    public void Every_mistake_of_a_key_is_named_with_its_place()
    {
        var options = new AuthOptions
        {
            ApiKeys =
            {
                ["plain"] = new ApiKeyOptions { Hash = "the-key-itself", Role = ApiRoles.Admin },
                ["short"] = new ApiKeyOptions { Hash = "sha256:abcd", Role = ApiRoles.Admin },
                ["superuser"] = new ApiKeyOptions { Hash = Hash, Role = "root" },
                ["bad name!"] = new ApiKeyOptions { Hash = Hash, Role = ApiRoles.Viewer },
                ["greedy"] = new ApiKeyOptions { Hash = Hash, Role = ApiRoles.Viewer, PermitsPerSecond = 0 },
            },
        };
        var problems = Problems(options);
        Assert.Contains(problems, p => p.StartsWith("Auth:ApiKeys:plain:Hash must be 'sha256:'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Auth:ApiKeys:short:Hash", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Auth:ApiKeys:superuser:Role must be one of viewer, operator, admin, claims-reviewer", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Auth:ApiKeys:bad name!:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Auth:ApiKeys:greedy: PermitsPerSecond", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain("the-key-itself", p, StringComparison.Ordinal));
    }

    [Fact]
    public void OIDC_needs_an_audience_and_HTTPS_unless_told_otherwise()
    {
        var problems = Problems(new AuthOptions { Jwt = { Authority = "http://idp.local/realms/ops" } });
        Assert.Contains(problems, p => p.Contains("Auth:Jwt:Audience is required", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Auth__Jwt__RequireHttpsMetadata=false", StringComparison.Ordinal));

        Assert.Empty(Problems(new AuthOptions { Jwt = { Authority = "http://127.0.0.1:9000", Audience = "agents-api", RequireHttpsMetadata = false } }));
        Assert.Empty(Problems(new AuthOptions { Jwt = { Authority = "https://login.example.com", Audience = "agents-api" } }));
    }

    [Theory]
    [InlineData("viewer", "viewer,operator,admin,claims-reviewer")]
    [InlineData("operator", "operator,admin")]
    [InlineData("admin", "admin")]
    [InlineData("claims-reviewer", "claims-reviewer")]
    public void Higher_roles_include_the_lower_ones(string role, string satisfying) =>
        Assert.Equal(satisfying, string.Join(",", ApiRoles.Satisfying(role)));
}
