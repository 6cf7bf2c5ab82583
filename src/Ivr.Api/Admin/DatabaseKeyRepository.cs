using System.Xml.Linq;
using Dapper;
using Ivr.Api.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace Ivr.Api.Admin;

/// <summary>
/// The Data Protection key ring (what signs and encrypts console session cookies) kept in the database, so that a
/// cookie issued by one instance is read by every other on the same database, and survives a redeploy. The keys are
/// stored as ASP.NET Core writes them: whoever can read the database can forge sessions, as with the key files.
/// </summary>
public sealed class DatabaseKeyRepository(Database database, TimeProvider time) : IXmlRepository
{
    /// <summary>The same on every instance: cookies are bound to it (the default, the content path, differs between machines).</summary>
    public const string ApplicationName = "ivr-hotline";

    // Data Protection asks synchronously, and rarely: at start, when it makes a key, and about once a day.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        return connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at, name")
            .Select(xml => XElement.Parse(xml)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            """
            INSERT INTO data_protection_keys (name, xml, created_at) VALUES (@name, @xml, @at)
            ON CONFLICT (name) DO NOTHING
            """,
            new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting), at = time.GetUtcNow().ToUnixTimeMilliseconds() },
            transaction)).GetAwaiter().GetResult();

    public static IServiceCollection AddSharedDataProtection(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddSingleton<DatabaseKeyRepository>();
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider => new ConfigureOptions<KeyManagementOptions>(
            options => options.XmlRepository = provider.GetRequiredService<DatabaseKeyRepository>()));
        return services;
    }
}
