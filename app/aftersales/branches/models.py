"""The service network (服务网络, R30): the head-office service centre, the branch offices
(办事处) and the local team, each a platform group whose members are its staff, and the
customers each one serves."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bpm.models import Base

HEAD_OFFICE_SERVICE_CENTRE = "head_office_service_centre"
BRANCH_OFFICE = "branch_office"
LOCAL_TEAM = "local_team"
KINDS = (HEAD_OFFICE_SERVICE_CENTRE, BRANCH_OFFICE, LOCAL_TEAM)


class Branch(Base):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # one of KINDS
    city: Mapped[str] = mapped_column(String(100))
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), unique=True)  # its staff

    customers: Mapped[list[BranchCustomer]] = relationship(
        back_populates="branch", order_by="BranchCustomer.customer_id"
    )


class BranchCustomer(Base):
    """A customer is served by one branch."""

    __tablename__ = "branch_customers"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), index=True)

    branch: Mapped[Branch] = relationship(back_populates="customers")
