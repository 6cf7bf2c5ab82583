namespace Ivr.Api.Admin;

/// <summary>
/// <c>hash-password</c>: reads a console user's password from standard input (one line) and prints the hash to put in
/// <c>Admin:Users:N:PasswordHash</c>, so that the settings never hold the password itself.
/// </summary>
public static class HashPasswordCommand
{
    public const string Usage = "usage: dotnet run --project src/Ivr.Api -- hash-password   (then type the password and Enter)";

    public static int Run(IReadOnlyList<string> args, TextReader input, TextWriter output, TextWriter errors)
    {
        if (args.Count > 0)
        {
            errors.WriteLine(Usage);
            return 2;
        }
        var password = input.ReadLine();
        if (password is null || password.Length < HotlineOptionsValidation.MinimumPasswordLength)
        {
            errors.WriteLine($"The password must be at least {HotlineOptionsValidation.MinimumPasswordLength} characters long.");
            return 1;
        }
        output.WriteLine(ConsoleCredentials.Hash(password));
        return 0;
    }
}
