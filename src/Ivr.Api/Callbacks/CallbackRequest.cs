using Ivr.Flows.Model;

namespace Ivr.Api.Callbacks;

/// <summary>What a customer asked for, from the web form or the JSON API, before it is checked.</summary>
/// <param name="Phone">The number as typed.</param>
/// <param name="Department">A department id; null or empty: any (the default department).</param>
/// <param name="Consent">The customer agreed to be called back at this number.</param>
public sealed record CallbackRequest(string? Phone, string? Department, bool Consent)
{
    /// <summary>Field names, the same in the form and in the JSON body (and in the errors of both).</summary>
    public const string PhoneField = "phone", DepartmentField = "department", ConsentField = "consent", LanguageField = "language";

    /// <summary>
    /// Checks every field and collects a message per field in the customer's <paramref name="language"/>, so that the
    /// form and the API both show all problems at once.
    /// </summary>
    public CheckedCallbackRequest Check(MenuDefinition menu, IReadOnlyList<string> countryCodes, string language)
    {
        var texts = CallbackTexts.For(language);
        var errors = new Dictionary<string, string[]>();

        var phone = PhoneNumbers.Parse(Phone, countryCodes);
        if (phone.Problem is { } problem)
            errors[PhoneField] = [PhoneNumbers.Message(problem, language, countryCodes)];

        var department = FindDepartment(menu, Department);
        if (department is null)
            errors[DepartmentField] = [texts.DepartmentUnknown(string.Join(", ", menu.Departments.Keys))];

        if (!Consent)
            errors[ConsentField] = [texts.ConsentMissing];

        return errors.Count == 0
            ? new CheckedCallbackRequest(phone.Number, department, errors)
            : new CheckedCallbackRequest(null, null, errors);
    }

    /// <summary>
    /// The department <paramref name="id"/> names (any case); when none is asked for, the first one in the menu file.
    /// </summary>
    public static Department? FindDepartment(MenuDefinition menu, string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
            return menu.Departments.Values.First();
        return menu.Departments.Values.FirstOrDefault(d => string.Equals(d.Id, id.Trim(), StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>A request after checking: the E.164 number and department to book, or the messages per field.</summary>
public sealed record CheckedCallbackRequest(string? Number, Department? Department, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Errors.Count == 0;
}
