package dev.cloister.infer.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Builder.Feature;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinjava with Jinja's grammar for keyword arguments. Jinjava reads {@code name=value} as an operator at the level of
 * {@code +} and {@code -}, so {@code namespace(last=messages|length - 1)} (Qwen 3's template) becomes
 * {@code (last=messages|length) - 1}; in Jinja (as in Python) a keyword argument is {@code NAME '=' expression}. The
 * parser here reads an argument that starts with a name and {@code =} that way. Jinjava's subscripts also lack the
 * step of Python's slices ({@code messages[::-1]}, also Qwen 3's); {@link PythonSlice} reads
 * {@code [start:stop:step]} with Python's meaning. Everything else parses as Jinjava parses it.
 */
final class JinjaExpressions extends Jinjava {

    private final ExpressionFactory expressions;

    JinjaExpressions(JinjavaConfig config) {
        super(config);
        this.expressions = new ExpressionFactoryImpl(new Properties(), new TruthyTypeConverter()) {
            @Override
            protected TreeBuilder createTreeBuilder(Properties properties, Builder.Feature... features) {
                return new KeywordArgumentSyntax(features);
            }
        };
    }

    @Override
    public ExpressionFactory getExpressionFactory() {
        return expressions;
    }

    private static final class KeywordArgumentSyntax extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;

        KeywordArgumentSyntax(Feature... features) {
            super(features);
        }

        @Override
        protected Parser createParser(String expression) {
            return new KeywordArgumentParser(this, expression);
        }
    }

    private static final class KeywordArgumentParser extends ExtendedParser {

        KeywordArgumentParser(Builder context, String input) {
            super(context, input);
        }

        @Override
        protected AstParameters params(Scanner.Symbol left, Scanner.Symbol right)
                throws Scanner.ScanException, ParseException {
            if (left != Scanner.Symbol.LPAREN) return super.params(left, right);
            consumeToken(left);
            List<AstNode> arguments = Collections.emptyList();
            AstNode argument = argument(false);
            if (argument != null) {
                arguments = new ArrayList<>();
                arguments.add(argument);
                while (getToken().getSymbol() == Scanner.Symbol.COMMA) {
                    consumeToken();
                    arguments.add(argument(true));
                }
            }
            consumeToken(right);
            return createAstParameters(arguments);
        }

        /** A name, a literal or a parenthesized expression, then attributes, calls, subscripts and slices. */
        @Override
        protected AstNode value() throws Scanner.ScanException, ParseException {
            boolean lvalue = true;
            AstNode v = nonliteral();
            if (v == null) {
                v = literal();
                if (v == null) return null;
                lvalue = false;
            }
            while (true) {
                switch (getToken().getSymbol()) {
                    case DOT -> {
                        consumeToken();
                        AstDot attribute = createAstDot(
                                v, consumeToken(Scanner.Symbol.IDENTIFIER).getImage(), lvalue);
                        v = calls() ? createAstMethod(attribute, params()) : attribute;
                    }
                    case LBRACK -> {
                        consumeToken();
                        v = subscript(v, lvalue);
                    }
                    default -> {
                        return v;
                    }
                }
            }
        }

        private boolean calls() {
            return getToken().getSymbol() == Scanner.Symbol.LPAREN && context.isEnabled(Feature.METHOD_INVOCATIONS);
        }

        /** After {@code [}: {@code key]}, or {@code start:stop]} / {@code start:stop:step]} with any part left out. */
        private AstNode subscript(AstNode base, boolean lvalue) throws Scanner.ScanException, ParseException {
            AstNode start = expr(false);
            if (getToken().getSymbol() == Scanner.Symbol.RBRACK) {
                if (start == null) fail(Scanner.Symbol.RBRACK);
                consumeToken();
                AstBracket item = createAstBracket(base, start, lvalue, !context.isEnabled(Feature.NULL_PROPERTIES));
                return calls() ? createAstMethod(item, params()) : item;
            }
            consumeToken(Scanner.Symbol.COLON);
            AstNode stop = expr(false);
            AstNode step = null;
            if (getToken().getSymbol() == Scanner.Symbol.COLON) {
                consumeToken();
                step = expr(false);
            }
            consumeToken(Scanner.Symbol.RBRACK);
            return new PythonSlice(base, start, stop, step);
        }

        /** {@code NAME '=' expression}, or an expression. */
        private AstNode argument(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.IDENTIFIER
                    && lookahead(0).getSymbol() == Scanner.Symbol.EXTENSION
                    && "=".equals(lookahead(0).getImage())) {
                String name = consumeToken().getImage();
                consumeToken(); // =
                return new AstNamedParameter(identifier(name), expr(true));
            }
            return expr(required);
        }
    }
}
