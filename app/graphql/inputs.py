"""The text rule of ``app.core.inputs`` for what JSON does not show: string literals of a
GraphQL document, whose ``\\u`` escapes the GraphQL lexer decodes (``"a\\u0000b"``)."""

from __future__ import annotations

from graphql import GraphQLSyntaxError, Lexer, Source, TokenKind

from app.core.inputs import require_text

_STRINGS = (TokenKind.STRING, TokenKind.BLOCK_STRING)


def check_string_literals(document: str, max_tokens: int) -> None:
    """Every string literal among the first ``max_tokens`` tokens of ``document`` is text;
    VALIDATION_FAILED on ``query`` otherwise. The raw document has passed the same rule, so
    only a ``\\u`` escape can hide a NUL: documents without one are not lexed here. Syntax
    errors are left to the parser, which reports them."""
    if "\\u" not in document:
        return
    lexer = Lexer(Source(document))
    try:
        for _ in range(max_tokens):
            token = lexer.advance()
            if token.kind is TokenKind.EOF:
                return
            if token.kind in _STRINGS and token.value is not None:
                require_text(token.value, "query")
    except GraphQLSyntaxError:
        return
