"""The setup operations as a client sends them, shared by the setup API and tenancy tests."""

from __future__ import annotations

from api.ids import encode_id

ERRORS = "errors { field code message }"

CREATE_SCHOOL = f"""
mutation($input: CreateSchoolInput!) {{
  createSchool(input: $input) {{ school {{ name currency }} {ERRORS} }}
}}"""

CREATE_USER = f"""
mutation($input: CreateUserInput!) {{
  createUser(input: $input) {{
    user {{ email name role schools {{ name }} }}
    apiToken
    {ERRORS}
  }}
}}"""

CREATE_TERM = f"""
mutation($input: CreateTermInput!) {{
  createTerm(input: $input) {{ term {{ name startDate endDate school {{ name }} }} {ERRORS} }}
}}"""

CREATE_GRADE = f"""
mutation($input: CreateGradeInput!) {{
  createGrade(input: $input) {{ grade {{ name level school {{ name }} }} {ERRORS} }}
}}"""

CREATE_STREAM = f"""
mutation($input: CreateStreamInput!) {{
  createStream(input: $input) {{ stream {{ name school {{ name }} }} {ERRORS} }}
}}"""

CREATE_CLASS = f"""
mutation($input: CreateSchoolClassInput!) {{
  createSchoolClass(input: $input) {{
    schoolClass {{ name grade {{ name }} stream {{ name }} school {{ name }} }}
    {ERRORS}
  }}
}}"""

STUDENT_FIELDS = """admissionNumber firstName lastName fullName status
  schoolClass { name } guardianName guardianEmail guardianPhone school { name }"""

CREATE_STUDENTS = f"""
mutation($input: CreateStudentsInput!) {{
  createStudents(input: $input) {{ students {{ {STUDENT_FIELDS} }} {ERRORS} }}
}}"""

UPDATE_STUDENT = f"""
mutation($input: UpdateStudentInput!) {{
  updateStudent(input: $input) {{ student {{ {STUDENT_FIELDS} }} {ERRORS} }}
}}"""

CREATE_FEE = f"""
mutation($input: CreateFeeStructureInput!) {{
  createFeeStructure(input: $input) {{
    feeStructure {{
      name school {{ name }}
      items {{ name amount {{ amount currency }}
               gradeAmounts {{ grade {{ name }} amount {{ amount currency }} }} }}
    }}
    {ERRORS}
  }}
}}"""

STUDENTS = """
query($schoolId: ID!, $filter: StudentFilter, $first: Int, $after: String) {
  students(schoolId: $schoolId, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { admissionNumber lastName } }
  }
}"""

NODE = """query($id: ID!) { node(id: $id) { id } }"""


def gid(type_name: str, pk: int) -> str:
    """The global id a client holds for a row."""
    return encode_id(type_name, pk)
