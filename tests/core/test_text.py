from app.core.text import fold, render_markdown, search_tokens


def test_fold():
    assert fold("Tiếp Công Dân") == "tiep cong dan"
    assert fold("ĐẤT ĐAI đường") == "dat dai duong"
    assert fold("Nghị quyết số 05/NQ-HĐND") == "nghi quyet so 05/nq-hdnd"


def test_search_tokens_are_bounded():
    assert search_tokens("Đất  đai, quy-hoạch") == ["dat", "dai", "quy", "hoach"]
    assert len(search_tokens("từ " * 100)) == 12


def test_markdown_is_sanitised():
    html = render_markdown("**đậm** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=y>")
    assert "<strong>đậm</strong>" in html
    assert "<script" not in html and 'href="javascript' not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text, not run
