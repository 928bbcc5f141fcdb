"""A drf-spectacular postprocessing hook: the schema says what portal.middleware refuses.

A NUL character anywhere in an address or a query string is a 400 before any view runs
(PostgreSQL text cannot hold one). Free-text string parameters (a search, a region code) get a
pattern that excludes it, so a client reading the schema knows, and a schema-valid request is
never refused for it. Parameters that already have a pattern, an enum or a format say more.
"""

NUL_FREE = "^[^\\u0000]*$"  # ECMA-262 (and Python): any text without U+0000


def nul_free_parameters(result, generator, request, public):
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                free_text = schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema)
                if parameter.get("in") in ("path", "query") and free_text:
                    schema["pattern"] = NUL_FREE
    return result
