// Small templates, one Jinja feature each, that Hugging Face chat templates rely on. render-templates.mjs renders
// them like the real templates; the Java test compares JinjaChatTemplate's output with each.
export const semantics = {
    "whitespace-control": "A  {%- if true -%}  B  {%- endif -%}  C {{- ' D ' -}} E",
    "trim-and-lstrip-blocks": "x\n  {% if true %}\n  y\n  {% endif %}\nz",
    "comments": "a {#- c -#} b\n{# c #}\nd",
    "loop-variables":
        "{% for m in messages %}{{ loop.index0 }}{{ loop.index }}{{ loop.revindex0 }}{{ loop.length }}" +
        "{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}|{% endfor %}",
    "slices":
        "{% for m in messages[1:] %}{{ m.role }}{% endfor %}|{% for m in messages[::-1] %}{{ m.role }}{% endfor %}|" +
        "{{ messages[-1].role }}|{{ 'hello'[1:3] }}|{{ 'hello'[::-1] }}|{{ 'hello'[-2:] }}|{{ 'hello'[:-10] }}|" +
        "{% for m in messages[5:] %}x{% endfor %}",
    "namespace":
        "{% set ns = namespace(n=0, found=false, last=messages|length - 1) %}" +
        "{% for m in messages %}{% set ns.n = ns.n + 1 %}{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}" +
        "{% endfor %}{{ ns.n }}{% if ns.found %}Y{% endif %}{{ ns.last }}",
    "loop-controls":
        "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i > 4 %}{% break %}{% endif %}" +
        "{{ i }}{% endfor %}",
    "defined-and-undefined":
        "{% if foo is defined %}D{% else %}U{% endif %}{% if messages is defined %}D{% endif %}" +
        "{% if foo is not defined %}N{% endif %}[{{ foo }}][{{ messages[0].nothing }}]" +
        "{% if messages[0].nothing %}T{% else %}F{% endif %}",
    "length": "{{ messages|length }} {{ messages[1].content|length }} {{ 'h\u00e9llo'|length }}",
    "membership":
        "{% if 'Hi' in messages[1].content %}1{% endif %}{% if 'role' in messages[0] %}2{% endif %}" +
        "{% if 'tool_calls' in messages[0] %}3{% endif %}{% if 'x' not in 'abc' %}4{% endif %}",
    "tojson": "{{ messages|tojson }}|{{ {'b': {}, 'a': [1, 2.5, none, true, 'é\"\\n\\t<']}|tojson(indent=2) }}",
    "string-methods":
        "{{ messages[0].content.strip() }}|{{ 'a,b,,c'.split(',')|join('|') }}|{{ '  a  b '.split()|join('|') }}|" +
        "{{ 'abc'.upper() }}{{ 'ABC'.lower() }}|{% if 'abc'.startswith('ab') %}S{% endif %}" +
        "{% if 'abc'.endswith('bc') %}E{% endif %}|{{ 'hello world'.title() }}|{{ 'aXbXc'.replace('X', '-') }}|" +
        "{{ 'x</think>y'.split('</think>')[-1] }}|{{ '  pad  '.rstrip() }}.|{{ '  pad  '.lstrip() }}",
    "strftime-now": "{{ strftime_now('%Y-%m-%d %H:%M %b %B %d') }}",
    "filters":
        "{{ ' x '|trim }}|{{ [3, 1, 2]|sort|join(',') }}|{{ 'abc'|upper }}|{{ [1, 2, 3]|first }}{{ [1, 2, 3]|last }}|" +
        "{{ foo|default('d') }}|{{ messages|map(attribute='role')|join(',') }}|" +
        "{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ 'A'|lower }}",
    "macros": "{% macro f(x, y='d') %}[{{ x }}{{ y }}]{% endmacro %}{{ f(1) }}{{ f(2, y='e') }}",
    "conditional-expressions": "{{ 'a' if true else 'b' }}{{ 'c' if false else 'd' }}",
    "arithmetic": "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ messages|length - 1 }} {{ -1 + 3 }}",
    "string-literals": "{{ 'a\\nb' }}|{{ \"tab\\there\" }}|{{ 'q\\'s' }}|{{ \"d\\\"q\" }}|{{ 'back\\\\slash' }}",
    "concatenation": "{{ 'a' ~ 1 ~ 'b' }}|{{ 'x' + 'y' }}|{{ messages[0].role + ':' + messages[0].content }}",
    "dict-items": "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}",
    "type-tests":
        "{% if 'a' is string %}s{% endif %}{% if messages[0] is mapping %}m{% endif %}" +
        "{% if messages is iterable %}i{% endif %}{% if none is none %}n{% endif %}{% if 1 is number %}#{% endif %}" +
        "{% if messages[0] is string %}X{% endif %}",
    "set-and-scoping":
        "{% set x = 1 %}{% for m in messages %}{% set x = 2 %}{% endfor %}{{ x }}" +
        "{% set y = messages[0]['content']|trim %}|{{ y }}|",
};

export const semanticsMessages = [
    { role: "system", content: "  Sys  " },
    { role: "user", content: "Hi {{ x }} {% if %} <|im_end|>" },
];
