import cleaner


def test_clean_returns_markdown_with_one_final_newline():
    assert cleaner.clean("第一行\r\n第二行") == "第一行\n\n第二行\n"
