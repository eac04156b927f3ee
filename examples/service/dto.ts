import type { FunctionDeployment, FunctionEntity, User } from "../domain";

/** Public shape of a user: no internal id, no password hash, no optimistic-lock version. */
export interface UserDto {
  uuid: string;
  email: string;
  role: string;
  isActive: boolean;
  createdAt: string;
}

export interface DeploymentDto {
  uuid: string;
  version: number;
  imageTag: string;
  s3Key: string | null;
  status: string;
  isActive: boolean;
  deployedAt: string | null;
  createdAt: string;
}

export interface FunctionDto {
  uuid: string;
  name: string;
  runtime: string;
  status: string;
  activeVersion: number | null;
  createdAt: string;
  updatedAt: string;
  deployments?: DeploymentDto[];
}

export function toUserDto(user: User): UserDto {
  return { uuid: user.uuid, email: user.email, role: user.role, isActive: user.isActive, createdAt: user.createdAt.toISOString() };
}

export function toDeploymentDto(deployment: FunctionDeployment): DeploymentDto {
  return {
    uuid: deployment.uuid,
    version: deployment.version,
    imageTag: deployment.imageTag,
    s3Key: deployment.s3Key,
    status: deployment.status,
    isActive: deployment.isActive,
    deployedAt: deployment.deployedAt?.toISOString() ?? null,
    createdAt: deployment.createdAt.toISOString(),
  };
}

export function toFunctionDto(fn: FunctionEntity, activeVersion: number | null = null): FunctionDto {
  const dto: FunctionDto = {
    uuid: fn.uuid,
    name: fn.name,
    runtime: fn.runtime,
    status: fn.status,
    activeVersion: fn.activeDeployment?.version ?? activeVersion,
    createdAt: fn.createdAt.toISOString(),
    updatedAt: fn.updatedAt.toISOString(),
  };
  if (fn.deployments) {
    dto.deployments = [...fn.deployments].sort((a, b) => a.version - b.version).map(toDeploymentDto);
    dto.activeVersion ??= fn.deployments.find((d) => d.isActive)?.version ?? null;
  }
  return dto;
}
