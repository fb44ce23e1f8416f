import pytest

from ingest.agencies import load_registry

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("surface", "agency_id"),
    [
        ("Sở NN&PTNT", "so-nnptnt"),
        ("Sở Nông nghiệp & PTNT", "so-nnptnt"),
        ("Sở Nông nghiệp và Phát triển nông thôn", "so-nnptnt"),
        ("Sờ Tài chính", "so-tai-chinh"),
        ("Sở Kế hoạnh và Đầu tư", "so-khdt"),
        ("so ke hoach va dau tu", "so-khdt"),
        ("Sở KH & ĐT", "so-khdt"),
        ("VPĐP NTM", "vpdp-ntm"),
        ("Văn phòng Điều phối NTM tỉnh", "vpdp-ntm"),
        ("Sở LĐ-TB&XH", "so-ldtbxh"),
        ("UBND các huyện, thành phố", "ubnd-huyen"),
    ],
)
def test_registry_resolves_spellings_to_one_agency(surface: str, agency_id: str) -> None:
    agency = load_registry().resolve(surface)
    assert agency is not None and agency.id == agency_id


def test_find_reports_offsets_of_each_mention() -> None:
    text = "Chủ trì phối hợp với Sở Nông nghiệp và Phát triển nông thôn, Sờ Tài chính tham mưu"
    mentions = load_registry().find(text)
    assert [m.agency_id for m in mentions] == ["so-nnptnt", "so-tai-chinh"]
    assert [text[m.start : m.end] for m in mentions] == ["Sở Nông nghiệp và Phát triển nông thôn", "Sờ Tài chính"]


def test_ministry_is_not_the_provincial_department() -> None:
    registry = load_registry()
    assert registry.ids_in("Bộ Tài chính") == ["bo-tai-chinh"]
    assert registry.resolve("Sở Y tế Thái Nguyên").id == "so-y-te"


def test_collective_addressee_expands_to_members() -> None:
    registry = load_registry()
    members = registry.members_of("cac-so-nganh")
    assert {"so-tai-chinh", "so-khdt", "so-nnptnt"} <= set(members)
    assert "ubnd-huyen" not in members
